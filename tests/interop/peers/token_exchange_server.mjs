// Jason Raimondi's ts-oauth2-server (@jmondi/oauth2-server), a TypeScript OAuth 2.0
// server m2m-tui did not write, with its RFC 8693 token exchange grant, for m2m-tui's
// interop tests: client_credentials, and token exchange of this server's own access
// tokens for another audience, the issued token naming the acting client in `act`.
//
// The library ships the grant and the token endpoint; what a deployment must write
// itself is written here, as its documentation asks: the repositories (in memory), the
// signer (RS256 with a kid, so that a client can check the signature), the subject
// token's validation (`processTokenExchange`), the claims added to a token
// (`extraTokenFields`), and the JWKS and RFC 8414 metadata, which it does not serve.
//
// Usage: node token_exchange_server.mjs PORT CONFIG.json
//   CONFIG: {"scopes": [...], "audiences": [...exchange targets...],
//            "clients": [{"client_id", "client_secret", "scopes": [...], "exchange": bool}]}
// Listens on 127.0.0.1 only.
import { readFileSync } from 'node:fs';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import express from 'express';
import jsonwebtoken from 'jsonwebtoken';
import { AuthorizationServer, DateInterval, OAuthException } from '@jmondi/oauth2-server';
import { requestFromExpress, handleExpressResponse, handleExpressError } from '@jmondi/oauth2-server/express';

const port = Number(process.argv[2]);
const config = JSON.parse(readFileSync(process.argv[3], 'utf8'));
const issuer = `http://127.0.0.1:${port}`;
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const SUBJECT_TYPES = [
  'urn:ietf:params:oauth:token-type:access_token',
  'urn:ietf:params:oauth:token-type:jwt',
];

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const kid = 'ts-oauth2-server-rs256';
const jwks = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] };

const scopes = config.scopes.map((name) => ({ name }));
const clients = new Map(config.clients.map((c) => [c.client_id, {
  id: c.client_id,
  name: c.client_id,
  secret: c.client_secret,
  redirectUris: [],
  allowedGrants: ['client_credentials', ...(c.exchange ? [EXCHANGE] : [])],
  scopes: scopes.filter((s) => c.scopes.includes(s.name)),
}]));

const clientRepository = {
  async getByIdentifier(id) {
    const client = clients.get(id);
    if (!client) throw OAuthException.invalidClient(`unknown client ${id}`);
    return client;
  },
  async isClientValid(grantType, client, secret) {
    return client.secret === secret && client.allowedGrants.includes(grantType);
  },
};

const tokens = new Map();
const tokenRepository = {
  async issueToken(client, tokenScopes, user) {
    return {
      accessToken: randomUUID(),
      accessTokenExpiresAt: new Date(Date.now() + 3600_000),
      client,
      user,
      scopes: tokenScopes,
    };
  },
  async persist(token) { tokens.set(token.accessToken, token); },
  async issueRefreshToken(token) { return token; },
  async revoke(token) { tokens.delete(token.accessToken); },
  async isRefreshTokenRevoked() { return true; },
  async getByRefreshToken() { throw OAuthException.invalidGrant('no refresh tokens here'); },
  async getByAccessToken(value) { return tokens.get(value); },
};

const scopeRepository = {
  async getAllByIdentifiers(names) { return scopes.filter((s) => names.includes(s.name)); },
  // The scopes a token gets: those asked (all the client's when none were), each held by
  // the client, and, in an exchange, carried by the subject token (they never widen).
  async finalize(asked, grantType, client, userId) {
    const held = (s) => client.scopes.some((c) => c.name === s.name);
    const refused = asked.filter((s) => !held(s)).map((s) => s.name);
    if (refused.length) {
      throw new OAuthException(
        'invalid scope', 'invalid_scope', `${client.id} holds no grant of ${refused.join(' ')}`,
      );
    }
    let granted = asked.length ? asked : client.scopes;
    const exchanged = userId === undefined ? undefined : pendingSubjects.get(userId);
    if (grantType === EXCHANGE && exchanged) {
      granted = granted.filter((s) => exchanged.scopes.includes(s.name));
    }
    return granted;
  },
};

// The subject of an exchange in progress, by user id: what `finalize` and
// `extraTokenFields` (which see only the user) need to know of the subject token.
const pendingSubjects = new Map();

const signer = {
  sign(payload) {
    return Promise.resolve(jsonwebtoken.sign(payload, privateKey, {
      algorithm: 'RS256', keyid: kid, header: { typ: 'at+jwt', alg: 'RS256', kid },
    }));
  },
  verify(token, options = {}) {
    return new Promise((resolve, reject) => {
      jsonwebtoken.verify(token, publicKey, { algorithms: ['RS256'], ...options },
        (err, decoded) => (err ? reject(err) : resolve(decoded)));
    });
  },
  decode(token) { return jsonwebtoken.decode(token); },
  // The claims a deployment adds: for an exchange, the audience asked for, and `act`
  // (RFC 8693 §4.1) naming the acting client over the subject token's own chain.
  extraTokenFields({ user, client }) {
    const subject = user && pendingSubjects.get(user.id);
    if (!subject) return {};
    pendingSubjects.delete(user.id);
    return {
      ...(subject.target && { aud: subject.target }),
      act: { sub: client.id, ...(subject.act && { act: subject.act }) },
    };
  },
};

// RFC 8693 §2.1: the subject token must be one of this server's access tokens, still
// valid; the target one this server issues for. Refusals as §2.2.2 names them.
async function processTokenExchange({ subjectToken, subjectTokenType, audience, resource, scopes: asked }) {
  if (!SUBJECT_TYPES.includes(subjectTokenType)) {
    throw OAuthException.badRequest(`subject_token_type ${subjectTokenType} is not supported`);
  }
  let claims;
  try {
    claims = await signer.verify(subjectToken, { issuer });
  } catch (err) {
    throw new OAuthException('invalid subject_token', 'invalid_request', `subject_token: ${err.message}`);
  }
  const target = audience ?? resource;
  if (!target || !config.audiences.includes(target)) {
    throw new OAuthException(
      'invalid target', 'invalid_target', `tokens are not issued for ${target ?? 'no audience'}`,
    );
  }
  const carried = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
  const widened = asked.map((s) => s.name).filter((s) => !carried.includes(s));
  if (widened.length) {
    throw new OAuthException(
      'invalid scope', 'invalid_scope', `the subject token does not carry ${widened.join(' ')}`,
    );
  }
  // A client_credentials token of this library names its client in `cid`, with no `sub`.
  const id = claims.sub ?? claims.cid;
  pendingSubjects.set(id, { scopes: carried, target, act: claims.act });
  return { id };
}

const server = new AuthorizationServer(clientRepository, tokenRepository, scopeRepository, signer, {
  issuer,
  requiresPKCE: false,
});
server.enableGrantTypes(
  ['client_credentials', new DateInterval('10m')],
  [{ grant: EXCHANGE, processTokenExchange }, new DateInterval('5m')],
);

const app = express();
app.use(express.urlencoded({ extended: false }));
app.post('/token', async (req, res) => {
  try {
    handleExpressResponse(res, await server.respondToAccessTokenRequest(requestFromExpress(req)));
  } catch (err) {
    handleExpressError(err, res);
  }
});
app.get('/.well-known/jwks.json', (req, res) => res.json(jwks));
app.get('/.well-known/oauth-authorization-server', (req, res) => res.json({
  issuer,
  token_endpoint: `${issuer}/token`,
  jwks_uri: `${issuer}/.well-known/jwks.json`,
  grant_types_supported: ['client_credentials', EXCHANGE],
  token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
  scopes_supported: config.scopes,
}));
app.listen(port, '127.0.0.1', () => process.stdout.write(`ts-oauth2-server listening on ${issuer}\n`));
