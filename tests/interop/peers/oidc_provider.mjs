// panva's oidc-provider (OpenID Certified), configured for m2m-tui's interop tests:
// client credentials with client_secret_basic, client_secret_post and private_key_jwt,
// DPoP (nonces required or not), RFC 8707 resource indicators giving RFC 9068 JWTs,
// opaque tokens without one, RFC 7662 introspection and RFC 7009 revocation.
// Usage: node oidc_provider.mjs CONFIG.json  (written by tests/interop/conftest.py:
// port, clients, resource, scopes, require_nonce). Listens on 127.0.0.1 only.
import { readFileSync } from 'node:fs';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const issuer = `http://127.0.0.1:${config.port}`;
const signing = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

const provider = new Provider(issuer, {
  clients: config.clients,
  jwks: { keys: [{ ...signing, kid: 'interop-rs256', alg: 'RS256', use: 'sig' }] },
  scopes: config.scopes,
  clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    dPoP: {
      enabled: true,
      nonceSecret: randomBytes(32),
      requireNonce: () => Boolean(config.require_nonce),
    },
    resourceIndicators: {
      enabled: true,
      // Without a resource indicator the token is opaque (no resource server).
      defaultResource: () => undefined,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource) => {
        if (resource !== config.resource) {
          throw new Provider.errors.InvalidTarget(`unknown resource ${resource}`);
        }
        return {
          scope: config.scopes.join(' '),
          audience: config.resource,
          accessTokenTTL: 600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
});
provider.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`oidc-provider listening on ${issuer}\n`);
});
