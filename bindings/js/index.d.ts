// Types of cognito-signin for JavaScript: the core's JSON form (version 1) as TypeScript.

/** The version of the JSON form this build speaks. */
export const JSON_FORM_VERSION: number;

// ---------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------

/** A remembered device: keep it (it holds the device password) and pass it back in `devices`. */
export interface DeviceCredentials {
  /** The internal username the device belongs to. */
  username: string;
  deviceKey: string;
  deviceGroupKey: string;
  /** Secret: the device's SRP password. */
  devicePassword: string;
}

/** The app client and pool; only the first two are required. */
export interface Config {
  userPoolId: string;
  clientId: string;
  /** Secret: the app client's secret, for `SECRET_HASH`. */
  clientSecret?: string | null;
  /** Remembered devices; the one of the signing-in user is used. */
  devices?: DeviceCredentials[];
  /** The size of the SRP private value: 256 (the default) or 1024. */
  privateBits?: 256 | 1024 | null;
  /** The name a confirmed device gets (`ConfirmDevice`'s `DeviceName`). */
  deviceName?: string | null;
  /** `false` leaves new devices unconfirmed. */
  confirmNewDevices?: boolean | null;
  totpIssuer?: string | null;
  totpDeviceName?: string | null;
  clientMetadata?: Record<string, string> | null;
}

/** A first factor for `USER_AUTH`. */
export type FirstFactor =
  | { factor: 'PASSWORD' | 'PASSWORD_SRP'; password: string }
  | { factor: 'EMAIL_OTP' | 'SMS_OTP' }
  | { factor: 'WEB_AUTHN'; credential?: string };

/** How a sign-in starts. */
export type Start = {
  /** `"admin": true` runs the `Admin*` operations (their requests need SigV4). */
  admin?: boolean;
  session?: string | null;
  deviceKey?: string | null;
} & (
  | { flow: 'USER_SRP_AUTH' | 'USER_PASSWORD_AUTH' | 'ADMIN_USER_PASSWORD_AUTH' | 'ADMIN_NO_SRP_AUTH'; username: string; password: string }
  | { flow: 'CUSTOM_AUTH'; username: string; password?: string }
  | { flow: 'USER_AUTH'; username: string; preferred?: FirstFactor }
  | { flow: 'REFRESH_TOKEN_AUTH'; refreshToken: string; username?: string }
  | { flow: 'GetTokensFromRefreshToken'; refreshToken: string }
);

/** A reply as received: the HTTP status, the body as text and two headers. */
export interface Reply {
  status: number;
  body: string;
  /** The `x-amzn-ErrorType` header. */
  errorType?: string | null;
  /** The `Date` header. */
  date?: string | null;
}

// ---------------------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------------------

export type Operation =
  | 'InitiateAuth'
  | 'RespondToAuthChallenge'
  | 'AdminInitiateAuth'
  | 'AdminRespondToAuthChallenge'
  | 'AssociateSoftwareToken'
  | 'VerifySoftwareToken'
  | 'ConfirmDevice'
  | 'UpdateDeviceStatus'
  | 'GetTokensFromRefreshToken';

/** The exact request to send: POST `body` with `Content-Type` and `X-Amz-Target`. */
export interface Request {
  operation: Operation;
  /** The `X-Amz-Target` header. */
  target: string;
  /** The `Content-Type` header. */
  contentType: string;
  /** Whether the request must be signed with AWS credentials (the `Admin*` operations). */
  sigv4: boolean;
  /** The exact body; it can hold the password (`USER_PASSWORD_AUTH`). */
  body: string;
}

export type MfaType = 'SMS_MFA' | 'SOFTWARE_TOKEN_MFA' | 'EMAIL_OTP' | (string & {});

/** What the service asks of the user. */
export type Challenge =
  | { type: 'softwareTokenMfa'; friendlyDeviceName: string | null }
  | { type: 'smsMfa' | 'emailOtp' | 'smsOtp'; destination: string | null }
  | { type: 'selectMfaType' | 'mfaSetup'; options: MfaType[] }
  | { type: 'totpSetup'; secretCode: string; uri: string }
  | { type: 'newPassword'; requiredAttributes: string[]; userAttributes: Record<string, string> }
  | { type: 'custom'; parameters: Record<string, string> }
  | { type: 'selectChallenge'; available: string[] }
  | { type: 'password'; srp: boolean }
  | { type: 'webAuthn'; credentialRequestOptions: string }
  | { type: 'rememberDevice' };

/** A question, with the service's refusal of the previous answer when it is asked again. */
export interface Prompt {
  challenge: Challenge;
  previousError: ErrorJson | null;
}

/** The user's answer. */
export type Answer =
  | { type: 'code'; code: string }
  | { type: 'mfa'; mfa: MfaType }
  | { type: 'setUpTotp' }
  | { type: 'setUpEmail'; email: string }
  | { type: 'newPassword'; password: string; attributes?: Record<string, string> }
  | { type: 'custom'; answer: string }
  | ({ type: 'firstFactor' } & FirstFactor)
  | { type: 'password'; password: string }
  | { type: 'credential'; credential: string }
  | { type: 'rememberDevice'; remember: boolean };

export interface Tokens {
  accessToken: string;
  idToken: string | null;
  refreshToken: string | null;
  tokenType: string;
  /** Seconds. */
  expiresIn: number;
  /** Unix seconds. */
  expiresAt: number;
}

export type DeviceStatus =
  | { type: 'remembered' }
  | { type: 'notRemembered' }
  | { type: 'notConfirmed' }
  | { type: 'failed'; error: ErrorJson };

/** A device the service gave this sign-in. */
export interface NewDevice {
  deviceKey: string;
  deviceGroupKey: string;
  /** Keep these to sign in on this device again; `null` when it was not confirmed. */
  credentials: DeviceCredentials | null;
  status: DeviceStatus;
}

export interface SignedIn {
  tokens: Tokens;
  /** The internal username (the `sub` in pools signing in by email). */
  username: string;
  newDevice: NewDevice | null;
  deviceForgotten: boolean;
  /** The device key used, if any. */
  deviceKey: string | null;
}

/** What to do next. */
export type Step =
  | { type: 'send'; request: Request }
  | { type: 'needInput'; prompt: Prompt }
  | { type: 'done'; signedIn: SignedIn };

/** An error in the JSON form. */
export interface ErrorJson {
  type: 'service' | 'protocol' | 'misuse' | 'transport';
  kind: string;
  field: string | null;
  status: number | null;
  message: string;
}

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

/** Every error this package throws. */
export class CognitoSignInError extends Error {
  /** Whose fault it was. */
  readonly type: ErrorJson['type'];
  /** The service's exception name (`"NotAuthorizedException"`) or the variant in camelCase. */
  readonly kind: string;
  /** The field, operation or challenge the error names. */
  readonly field: string | null;
  /** The HTTP status of a service error. */
  readonly status: number | null;
  toJSON(): ErrorJson;
}
/** Cognito refused: the sign-in is over. */
export class ServiceError extends CognitoSignInError {}
/** A reply that breaks the protocol: the sign-in is over. */
export class ProtocolError extends CognitoSignInError {}
/** A caller's mistake: nothing changed. */
export class MisuseError extends CognitoSignInError {}
/** `fetch` failed or the body could not be read (the driver only); `cause` is the original. */
export class TransportError extends CognitoSignInError {}

// ---------------------------------------------------------------------------------------
// The machine and the driver
// ---------------------------------------------------------------------------------------

export interface CallOptions {
  /** Unix seconds; `Date.now()` by default. */
  now?: number;
}

/** A sign-in in progress. */
export class SignIn implements Disposable {
  private constructor();
  /** Starts a sign-in: the machine and the first request to send. */
  static start(config: Config, start: Start, options?: CallOptions): { machine: SignIn; request: Request };
  /** Feeds the reply to the last request. */
  handle(reply: Reply, options?: CallOptions): Step;
  /** Passes the user's answer to the open question. */
  answer(answer: Answer, options?: CallOptions): Step;
  /** The username used so far. */
  readonly username: string;
  /** Whether the sign-in is finished (done or failed). */
  readonly finished: boolean;
  /** Frees the machine's WebAssembly memory. */
  free(): void;
  [Symbol.dispose](): void;
}

export interface SignInOptions extends CallOptions {
  /** The Cognito endpoint, e.g. `https://cognito-idp.us-east-1.amazonaws.com/`. */
  endpoint: string | URL;
  userPoolId: string;
  clientId: string;
  clientSecret?: string | null;
  username?: string;
  password?: string;
  /** For `REFRESH_TOKEN_AUTH` (the default flow when given). */
  refreshToken?: string;
  /** `USER_SRP_AUTH` by default. */
  flow?: Start['flow'];
  /** `USER_AUTH`'s preferred first factor. */
  preferred?: FirstFactor;
  devices?: DeviceCredentials[];
  deviceName?: string;
  privateBits?: 256 | 1024;
  clientMetadata?: Record<string, string>;
  /** `globalThis.fetch` by default. */
  fetch?: typeof globalThis.fetch;
  signal?: AbortSignal;
}

/**
 * Signs in with `fetch`, calling `ask(prompt)` for codes, new passwords and the like.
 * Without `ask`, a question other than "remember this device?" (declined) is a MisuseError.
 */
export function signIn(options: SignInOptions, ask?: (prompt: Prompt) => Answer | Promise<Answer>): Promise<SignedIn>;
