// The World Mappers endpoints behind Auth0's own Express validator
// (express-oauth2-jwt-bearer): an API whose checks m2m-tui did not write, for the
// interop tests to compare `m2m-tui diagnose` with. Env: ISSUER (exact `iss`),
// JWKS_URI, AUDIENCE, PORT, and CLOCK_TOLERANCE (seconds; the library's default is 5).
// Listens on 127.0.0.1 only; /open needs no token.
const express = require('express');
const { auth, requiredScopes } = require('express-oauth2-jwt-bearer');

const app = express();
app.get('/open', (req, res) => res.json({ ok: true }));
app.use('/api', auth({
  issuer: process.env.ISSUER,
  jwksUri: process.env.JWKS_URI,
  audience: process.env.AUDIENCE,
  tokenSigningAlg: 'RS256',
  clockTolerance: Number(process.env.CLOCK_TOLERANCE || 5),
}));
app.get('/api/directions', requiredScopes('directions'), (req, res) =>
  res.json([{ step: 1, action: 'Head north' }, { step: 2, action: 'Arrive' }]));
app.get('/api/location/geocode', requiredScopes('geocode:location'), (req, res) =>
  res.json({ lat: 47.6178819, lng: -122.194041 }));
app.get('/api/location/reverse-geocode', requiredScopes('reverse-geocode:location'), (req, res) =>
  res.json({ street: '10900 NE 8th Street', city: 'Bellevue', state: 'Washington' }));
app.listen(Number(process.env.PORT), '127.0.0.1');
