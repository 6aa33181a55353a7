// panva's oidc-provider (OpenID Certified), configured for m2m-tui's interop tests:
// client credentials with client_secret_basic, client_secret_post, client_secret_jwt and
// private_key_jwt,
// DPoP (nonces required or not), RFC 8707 resource indicators giving RFC 9068 JWTs,
// opaque tokens without one, RFC 7662 introspection and RFC 7009 revocation.
// With `tls` in the config: HTTPS that asks for client certificates, and RFC 8705
// mutual TLS (tls_client_auth, self_signed_tls_client_auth, certificate-bound tokens).
// Usage: node oidc_provider.mjs CONFIG.json  (written by tests/interop/conftest.py:
// port, clients, resource, scopes, require_nonce, tls). Listens on 127.0.0.1 only.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider, { errors } from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const tls = config.tls;
const issuer = `${tls ? 'https' : 'http'}://127.0.0.1:${config.port}`;
// RFC 8705 §2: the certificate of the TLS connection the request came on (its PEM).
const peerCertificate = (ctx) => {
  const cert = ctx.socket.getPeerX509Certificate?.();
  return cert ? cert.toString() : undefined;
};
const signing = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

const provider = new Provider(issuer, {
  clients: config.clients,
  jwks: { keys: [{ ...signing, kid: 'interop-rs256', alg: 'RS256', use: 'sig' }] },
  scopes: config.scopes,
  clientAuthMethods: [
    'client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt',
    ...(tls ? ['tls_client_auth', 'self_signed_tls_client_auth'] : []),
  ],
  features: {
    devInteractions: { enabled: false },
    mTLS: {
      enabled: Boolean(tls),
      certificateBoundAccessTokens: true,
      tlsClientAuth: true,
      selfSignedTlsClientAuth: true,
      getCertificate: peerCertificate,
      // Verified by the TLS handshake against the client CA (`ca` below).
      certificateAuthorized: (ctx) => ctx.socket.authorized === true,
      certificateSubjectMatches: (ctx, property, expected) => {
        const cert = ctx.socket.getPeerX509Certificate?.();
        if (!cert || property !== 'tls_client_auth_subject_dn') return false;
        return cert.subject.split('\n').join(',') === expected;
      },
    },
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
          throw new errors.InvalidTarget(`unknown resource ${resource}`);
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
const announce = () => process.stdout.write(`oidc-provider listening on ${issuer}\n`);
if (tls) {
  createServer({
    key: readFileSync(tls.key),
    cert: readFileSync(tls.cert),
    ca: readFileSync(tls.client_ca),
    requestCert: true, // asked for, never required; a self-signed one gets through too
    rejectUnauthorized: false,
  }, provider.callback()).listen(config.port, '127.0.0.1', announce);
} else {
  provider.listen(config.port, '127.0.0.1', announce);
}
