// A sign-in page on the package's driver: USER_SRP_AUTH, a TOTP code when asked, the device
// remembered in localStorage (then the next sign-in on it skips the code), and the token's
// claims shown. The pool and app client come from the query string:
//   index.html?endpoint=http://127.0.0.1:9229/&userPoolId=us-east-1_Example01&clientId=exampleclient1
import { CognitoSignInError, signIn } from '../../index.js';

const query = new URLSearchParams(location.search);
const pool = {
  endpoint: query.get('endpoint') ?? 'http://127.0.0.1:9229/',
  userPoolId: query.get('userPoolId') ?? 'us-east-1_Example01',
  clientId: query.get('clientId') ?? 'exampleclient1',
};
const storeKey = `cognito-signin:devices:${pool.userPoolId}:${pool.clientId}`;

const $ = (id) => document.getElementById(id);
const devices = () => JSON.parse(localStorage.getItem(storeKey) ?? '[]');
const keep = (credentials) => {
  const others = devices().filter((d) => d.username !== credentials.username);
  localStorage.setItem(storeKey, JSON.stringify([...others, credentials]));
};

/** Resolves with the code the user types into the code form. */
function askForCode(label, previousError) {
  $('code-label').textContent = label;
  $('error').textContent = previousError ? `${previousError.message} Try again.` : '';
  $('code').value = '';
  $('code-form').hidden = false;
  $('code').focus();
  return new Promise((resolve) => {
    $('code-form').onsubmit = (event) => {
      event.preventDefault();
      $('code-form').hidden = true;
      resolve($('code').value.trim());
    };
  });
}

async function ask(prompt) {
  const { challenge, previousError } = prompt;
  switch (challenge.type) {
    case 'softwareTokenMfa':
      return { type: 'code', code: await askForCode('Code from your authenticator app', previousError) };
    case 'smsMfa':
    case 'emailOtp':
      return { type: 'code', code: await askForCode(`Code sent to ${challenge.destination ?? 'you'}`, previousError) };
    case 'rememberDevice':
      return { type: 'rememberDevice', remember: $('remember').checked };
    default:
      throw new Error(`this page cannot answer ${challenge.type}`);
  }
}

function claimsOf(jwt) {
  const payload = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Uint8Array.from(atob(payload), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

$('signin').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('error').textContent = '';
  $('submit').disabled = true;
  const started = performance.now();
  try {
    const signedIn = await signIn(
      { ...pool, username: $('username').value, password: $('password').value, devices: devices(), deviceName: navigator.userAgent.slice(0, 64) },
      ask,
    );
    $('password').value = '';
    if (signedIn.newDevice?.credentials && signedIn.newDevice.status.type === 'remembered') keep(signedIn.newDevice.credentials);
    const claims = claimsOf(signedIn.tokens.accessToken);
    $('status').textContent =
      `signed in as ${claims.username}` + (signedIn.deviceKey && !signedIn.newDevice ? ' on a remembered device' : '') +
      ` (${Math.round(performance.now() - started)} ms)`;
    $('claims').textContent = JSON.stringify(claims, null, 2);
    $('signin').hidden = true;
    $('result').hidden = false;
  } catch (e) {
    $('code-form').hidden = true;
    $('error').textContent = e instanceof CognitoSignInError ? `${e.kind}: ${e.message}` : String(e);
  } finally {
    $('submit').disabled = false;
  }
});

$('forget').addEventListener('click', () => {
  localStorage.removeItem(storeKey);
  location.reload();
});
