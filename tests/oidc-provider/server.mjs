// An independent, certified OpenID provider (panva/oidc-provider, OpenID Certified) configured as
// FranceConnect v2 and as Pro Santé Connect are, for the sign-in tests
// (tests/tests/e2e/certified_provider.rs, issue 15 item 7): the sign-in function is proven
// against an implementation that does not share our reading of the specifications.
//
//   node server.mjs            reads its configuration as one JSON line on standard input,
//                              prints {"port": N, "franceconnect": issuer, "psc": issuer} on
//                              standard output once listening, exits when standard input closes
//                              (so it never outlives the test process that started it).
//
// Configuration: {"franceconnect": {"clients": [...], "accounts": {...}}, "psc": {...}} where a
// client is {client_id, client_secret, redirect_uris, post_logout_redirect_uris} and an account
// is {"sub": ..., "label": ..., "claims": {...}} keyed by the login hint that selects it.
//
// As FranceConnect v2: ES256 ID tokens, userinfo as a JWT signed ES256 (application/jwt), the
// identity-pivot scopes each giving its claim, acr eidas1 (eidas2, eidas3 accepted), client
// authentication client_secret_post only, no PKCE advertised.
// As Pro Santé Connect: issuer …/auth/realms/esante-wallet with its discovery document at
// /.well-known/wallet-openid-configuration, RS256, userinfo as JSON with SubjectNameID and
// SubjectRefPro (scope scope_all), acr eidas1, client_secret_basic only, PKCE S256 required.
//
// Test hooks, in the login hint only (what a person would choose on the provider's page):
//   <account>                  signs that account in;
//   <account>~<forgery>        the same, then the token response's ID token is forged (the
//                              sign-in is recognised by its nonce, so tests at once never mix):
//                              wrong_signature (another key, same kid), wrong_audience (re-signed
//                              with the provider's key for another client), alg_none (unsigned);
//   error~<code>               the provider answers the error <code> (access_denied…).

import http from 'node:http';
import crypto from 'node:crypto';
import readline from 'node:readline';

import Provider from 'oidc-provider';
import * as jose from 'jose';

const FC_PREFIX = '/fc';
const PSC_PREFIX = '/psc/auth/realms/esante-wallet';
const FC_SCOPES = ['given_name', 'family_name', 'birthdate', 'gender', 'birthplace', 'birthcountry',
  'email', 'preferred_username'];
const PSC_CLAIMS = ['SubjectNameID', 'preferred_username', 'given_name', 'family_name',
  'SubjectRefPro', 'codeCivilite', 'UITVersion', 'SubjectOrganization', 'otherIds'];
const FORGERIES = ['wrong_signature', 'wrong_audience', 'alg_none'];

async function signingKey(alg) {
  const { privateKey } = await jose.generateKeyPair(alg, { extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  return { ...jwk, alg, use: 'sig', kid: crypto.randomUUID() };
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// The login hint: an account id, with an optional forgery; or an error to answer.
function parseHint(hint) {
  const [head, tail] = String(hint ?? '').split('~');
  if (head === 'error' && tail) return { error: tail };
  if (tail && !FORGERIES.includes(tail)) return { error: 'invalid_request' };
  return { account: head, forgery: tail };
}

// The ID token of a token response, forged as its sign-in asked.
async function forge(idToken, key, forgery) {
  const header = jose.decodeProtectedHeader(idToken);
  const payload = jose.decodeJwt(idToken);
  switch (forgery) {
    case 'wrong_signature': {
      const other = await signingKey(header.alg);
      const otherKey = await jose.importJWK(other, header.alg);
      return new jose.SignJWT(payload).setProtectedHeader({ ...header, kid: header.kid }).sign(otherKey);
    }
    case 'wrong_audience': {
      const ownKey = await jose.importJWK(key, header.alg);
      return new jose.SignJWT({ ...payload, aud: 'un-autre-client' }).setProtectedHeader(header).sign(ownKey);
    }
    case 'alg_none': {
      const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
      return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload)}.`;
    }
    default:
      return idToken;
  }
}

async function makeProvider(base, prefix, settings, kind) {
  const alg = kind === 'franceconnect' ? 'ES256' : 'RS256';
  const key = await signingKey(alg);
  const accounts = settings.accounts;
  const bySub = new Map(Object.values(accounts).map((account) => [account.sub, account]));
  const franceconnect = kind === 'franceconnect';
  // The forgery each sign-in asked for, by its nonce (unique per sign-in, in the ID token).
  const forgeries = new Map();

  const provider = new Provider(`${base}${prefix}`, {
    clients: settings.clients.map((client) => ({
      ...client,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: franceconnect ? 'client_secret_post' : 'client_secret_basic',
      id_token_signed_response_alg: alg,
      ...(franceconnect ? { userinfo_signed_response_alg: alg } : {}),
    })),
    clientAuthMethods: [franceconnect ? 'client_secret_post' : 'client_secret_basic'],
    jwks: { keys: [key] },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    scopes: franceconnect ? ['openid', ...FC_SCOPES] : ['openid', 'scope_all'],
    claims: franceconnect
      ? Object.fromEntries(FC_SCOPES.map((scope) => [scope, [scope]]))
      : { scope_all: PSC_CLAIMS },
    acrValues: franceconnect ? ['eidas1', 'eidas2', 'eidas3'] : ['eidas1'],
    responseTypes: ['code'],
    subjectTypes: ['public'],
    enabledJWA: {
      idTokenSigningAlgValues: [alg],
      userinfoSigningAlgValues: [alg],
    },
    pkce: { required: () => !franceconnect },
    features: {
      devInteractions: { enabled: false },
      jwtUserinfo: { enabled: franceconnect },
      rpInitiatedLogout: {
        enabled: true,
        // Sign-out confirmed at once (as FranceConnect and Pro Santé Connect do).
        async logoutSource(ctx, form) {
          ctx.body = `<!doctype html><html><body>${form}<script>document.forms[0].submit()</script>
            <button form="op.logoutForm" name="logout" value="yes">Se déconnecter</button></body></html>`;
        },
      },
    },
    interactions: {
      url: (ctx, interaction) => `${prefix}/interaction/${interaction.uid}`,
    },
    // Every client here is the portal itself: what it asks for is granted without a consent page.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) {
        const existing = await ctx.oidc.provider.Grant.find(grantId);
        if (existing) return existing;
      }
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope(ctx.oidc.requestParamScopes ? [...ctx.oidc.requestParamScopes].join(' ') : 'openid');
      await grant.save();
      return grant;
    },
    async findAccount(ctx, sub) {
      const account = bySub.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { sub, ...account.claims };
        },
      };
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = `<!doctype html><html lang="fr"><body><h1>Erreur du fournisseur</h1>
        <pre>${escapeHtml(JSON.stringify(out))}</pre></body></html>`;
    },
  });
  provider.proxy = false;

  // As FranceConnect: no PKCE advertised (the client then sends none).
  // Forgeries: the token response's ID token replaced as the sign-in asked.
  provider.use(async (ctx, next) => {
    await next();
    const route = ctx.oidc?.route;
    if (route === 'discovery' && franceconnect && ctx.body) {
      delete ctx.body.code_challenge_methods_supported;
    }
    if (route === 'token' && ctx.status === 200 && ctx.body?.id_token) {
      const { nonce } = jose.decodeJwt(ctx.body.id_token);
      const forgery = forgeries.get(nonce);
      forgeries.delete(nonce);
      if (forgery) {
        ctx.body = { ...ctx.body, id_token: await forge(ctx.body.id_token, key, forgery) };
      }
    }
  });

  // The provider's sign-in page: a login hint chooses at once; otherwise a list of accounts.
  async function interaction(req, res, uid, action, body) {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) {
      res.writeHead(400).end('interaction mismatch');
      return;
    }
    const hint = action === 'login' ? new URLSearchParams(body).get('account') : details.params.login_hint;
    if (!hint) {
      const buttons = Object.entries(accounts)
        .map(([id, account]) => `<button name="account" value="${escapeHtml(id)}">${escapeHtml(account.label ?? id)}</button>`)
        .join('<br>');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="fr"><body><h1>Fournisseur certifié (${kind})</h1>
        <form method="post" action="${prefix}/interaction/${uid}/login">${buttons}</form></body></html>`);
      return;
    }
    const choice = parseHint(hint);
    if (choice.error) {
      await provider.interactionFinished(req, res, {
        error: choice.error,
        error_description: 'answered by the test',
      }, { mergeWithLastSubmission: false });
      return;
    }
    const account = accounts[choice.account];
    if (!account) {
      await provider.interactionFinished(req, res, {
        error: 'access_denied',
        error_description: 'unknown test account',
      }, { mergeWithLastSubmission: false });
      return;
    }
    if (choice.forgery) {
      forgeries.set(details.params.nonce, choice.forgery);
    }
    await provider.interactionFinished(req, res, {
      login: { accountId: account.sub, acr: 'eidas1' },
    }, { mergeWithLastSubmission: false });
  }

  const callback = provider.callback();
  return async (req, res, path) => {
    const match = path.match(/^\/interaction\/([^/?]+)(\/login)?(\?.*)?$/);
    if (match) {
      let body = '';
      for await (const chunk of req) body += chunk;
      await interaction(req, res, match[1], match[2] ? 'login' : 'show', body);
      return;
    }
    // Pro Santé Connect's discovery document is at …/.well-known/wallet-openid-configuration.
    if (!franceconnect && path.startsWith('/.well-known/wallet-openid-configuration')) {
      path = path.replace('/.well-known/wallet-openid-configuration', '/.well-known/openid-configuration');
    }
    req.originalUrl = `${prefix}${path}`;
    req.url = path;
    callback(req, res);
  };
}

async function main() {
  const lines = readline.createInterface({ input: process.stdin });
  const first = await new Promise((resolve) => lines.once('line', resolve));
  const settings = JSON.parse(first);
  // Exit with the test process: it holds standard input open while it lives.
  lines.on('close', () => process.exit(0));

  let handlers = {};
  const server = http.createServer(async (req, res) => {
    try {
      const url = req.url ?? '/';
      for (const [prefix, handler] of Object.entries(handlers)) {
        if (url === prefix || url.startsWith(`${prefix}/`) || url.startsWith(`${prefix}?`)) {
          await handler(req, res, url.slice(prefix.length) || '/');
          return;
        }
      }
      res.writeHead(404).end('not found');
    } catch (error) {
      process.stderr.write(`certified provider: ${error?.stack ?? error}\n`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  handlers = {
    [FC_PREFIX]: await makeProvider(base, FC_PREFIX, settings.franceconnect, 'franceconnect'),
    [PSC_PREFIX]: await makeProvider(base, PSC_PREFIX, settings.psc, 'psc'),
  };
  process.stdout.write(`${JSON.stringify({
    port: server.address().port,
    franceconnect: `${base}${FC_PREFIX}`,
    psc: `${base}${PSC_PREFIX}`,
  })}\n`);
}

main().catch((error) => {
  process.stderr.write(`certified provider: ${error?.stack ?? error}\n`);
  process.exit(1);
});
