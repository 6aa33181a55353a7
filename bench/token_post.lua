-- wrk script: POST a client_credentials request to the token endpoint.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "grant_type=client_credentials&client_id=giftdeliveries" ..
           "&client_secret=giftdeliveries-local-secret&audience=urn:worldmappers"
