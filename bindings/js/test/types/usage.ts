// Compiled by `tsc -p test/types` (strict): the declarations describe the API as it is used.
import {
  type Answer,
  type DeviceCredentials,
  type Prompt,
  type Step,
  MisuseError,
  ServiceError,
  SignIn,
  signIn,
} from 'cognito-signin';

async function ask(prompt: Prompt): Promise<Answer> {
  switch (prompt.challenge.type) {
    case 'softwareTokenMfa':
      return { type: 'code', code: '123456' };
    case 'newPassword':
      return { type: 'newPassword', password: 'New-Password-1', attributes: { name: 'Jane' } };
    case 'rememberDevice':
      return { type: 'rememberDevice', remember: true };
    case 'totpSetup':
      return { type: 'code', code: prompt.challenge.secretCode.slice(0, 6) };
    default:
      return { type: 'mfa', mfa: 'SOFTWARE_TOKEN_MFA' };
  }
}

export async function driver(devices: DeviceCredentials[]): Promise<string> {
  const signedIn = await signIn(
    { endpoint: 'http://127.0.0.1:9229/', userPoolId: 'us-east-1_Example1', clientId: 'client', username: 'jane', password: 'pw', devices },
    ask,
  );
  const kept: DeviceCredentials | null = signedIn.newDevice?.credentials ?? null;
  return `${signedIn.tokens.accessToken} ${kept?.deviceKey ?? ''}`;
}

export async function bare(send: (body: string, target: string) => Promise<{ status: number; body: string }>): Promise<string> {
  const { machine, request } = SignIn.start(
    { userPoolId: 'us-east-1_Example1', clientId: 'client', privateBits: 1024 },
    { flow: 'USER_SRP_AUTH', username: 'jane', password: 'pw' },
    { now: 1_800_000_000 },
  );
  try {
    let step: Step = { type: 'send', request };
    for (;;) {
      if (step.type === 'send') {
        const reply = await send(step.request.body, step.request.target);
        step = machine.handle({ status: reply.status, body: reply.body, errorType: null });
      } else if (step.type === 'needInput') {
        step = machine.answer(await ask(step.prompt));
      } else {
        return step.signedIn.username;
      }
    }
  } catch (e) {
    if (e instanceof ServiceError) return `${e.kind} ${e.status ?? ''}`;
    if (e instanceof MisuseError) return `${e.kind} ${e.field ?? ''}`;
    throw e;
  } finally {
    machine.free();
  }
}
