// Turns amazon-cognito-identity-js's callback objects into promises of one outcome:
// {kind: 'onSuccess' | 'onFailure' | 'newPasswordRequired' | 'totpRequired' | ..., ...}.
export function outcome(start) {
  return new Promise((resolve) => {
    const cb = {
      onSuccess: (session, userConfirmationNecessary) =>
        resolve({ kind: 'onSuccess', session, userConfirmationNecessary }),
      onFailure: (err) => resolve({ kind: 'onFailure', err }),
      newPasswordRequired: (userAttributes, requiredAttributes) =>
        resolve({ kind: 'newPasswordRequired', userAttributes, requiredAttributes }),
      totpRequired: (challengeName, challengeParameters) =>
        resolve({ kind: 'totpRequired', challengeName, challengeParameters }),
      mfaRequired: (challengeName, challengeParameters) =>
        resolve({ kind: 'mfaRequired', challengeName, challengeParameters }),
      selectMFAType: (challengeName, challengeParameters) =>
        resolve({ kind: 'selectMFAType', challengeName, challengeParameters }),
      mfaSetup: (challengeName, challengeParameters) =>
        resolve({ kind: 'mfaSetup', challengeName, challengeParameters }),
      customChallenge: (challengeParameters) => resolve({ kind: 'customChallenge', challengeParameters }),
    };
    try {
      start(cb);
    } catch (err) {
      resolve({ kind: 'thrown', err });
    }
  });
}

// A readable one-liner of an outcome, for assertion messages.
export function show(r) {
  if (!r) return String(r);
  if (r.err) return `${r.kind}: ${r.err.code ?? r.err.name}: ${r.err.message}`;
  const { session, ...rest } = r;
  return JSON.stringify(rest);
}

// Node-style callback (err, data) -> promise.
export function nodeCb(start) {
  return new Promise((resolve, reject) => {
    try {
      start((err, data) => (err ? reject(err) : resolve(data)));
    } catch (err) {
      reject(err);
    }
  });
}
