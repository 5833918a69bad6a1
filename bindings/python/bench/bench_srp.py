"""SRP sign-in work: this package against pycognito's AWSSRP, same inputs, interleaved rounds.

One round of each client is the client side of USER_SRP_AUTH up to the claim:

- this package: ``SignIn.start`` (draws a, computes A, builds InitiateAuth), then
  ``handle`` of the PASSWORD_VERIFIER reply (x, u, S, the key, the claim, the
  RespondToAuthChallenge request);
- pycognito: ``AWSSRP(...)`` (draws a, computes A), ``get_auth_params()``, then
  ``process_challenge(...)`` with the same challenge parameters.

Both are fed one challenge reply, built once: SRP_B = g^b mod N for a random b, a random
SALT and SECRET_BLOCK (neither client checks B against a verifier; the server would). This
package is measured with its default private value (256 bits) and with 1024 bits, the size
pycognito draws. The rounds alternate between the clients so that a change in machine load
hits all alike; medians are reported.

    python bindings/python/bench/bench_srp.py [--rounds 200]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import statistics
import sys
import time
from typing import Any, Callable, Dict, List

import cognito_signin as cs
from cognito_signin import Config, SignIn, Start
from pycognito.aws_srp import AWSSRP, G_HEX, N_HEX, long_to_hex  # type: ignore[import-untyped]

POOL_ID = "us-east-1_Bench0001"
CLIENT_ID = "benchclient123"
USERNAME = "jane"
PASSWORD = "Correct-Horse-Battery-1"


def challenge() -> Dict[str, str]:
    n, g = int(N_HEX, 16), int(G_HEX, 16)
    b = int.from_bytes(os.urandom(32), "big")
    return {
        "SRP_B": long_to_hex(pow(g, b, n)),
        "SALT": os.urandom(16).hex(),
        "SECRET_BLOCK": base64.b64encode(os.urandom(1024)).decode(),
        "USER_ID_FOR_SRP": USERNAME,
        "USERNAME": USERNAME,
    }


def ours(params: Dict[str, str], private_bits: int) -> Callable[[], str]:
    config = Config(POOL_ID, CLIENT_ID, private_bits=private_bits)
    body = json.dumps(
        {"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": params, "Session": "s"}
    )

    def run() -> str:
        machine, _request = SignIn.start(config, Start.user_srp(USERNAME, PASSWORD))
        step = machine.handle(200, body)
        assert isinstance(step, cs.Send) and step.request.operation == "RespondToAuthChallenge"
        claim: str = json.loads(step.request.body)["ChallengeResponses"]["PASSWORD_CLAIM_SIGNATURE"]
        return claim

    return run


def pycognito(params: Dict[str, str]) -> Callable[[], str]:
    client: Any = object()  # never called: only the SRP arithmetic runs

    def run() -> str:
        srp = AWSSRP(USERNAME, PASSWORD, POOL_ID, CLIENT_ID, client=client)
        auth = srp.get_auth_params()
        response = srp.process_challenge(params, auth)
        claim: str = response["PASSWORD_CLAIM_SIGNATURE"]
        return claim

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--warm-up", type=int, default=10)
    args = parser.parse_args()

    params = challenge()
    clients = {
        "cognito_signin (256-bit a)": ours(params, 256),
        "cognito_signin (1024-bit a)": ours(params, 1024),
        "pycognito AWSSRP (1024-bit a)": pycognito(params),
    }
    for fn in clients.values():
        for _ in range(args.warm_up):
            fn()
    times: Dict[str, List[float]] = {name: [] for name in clients}
    names = list(clients)
    for r in range(args.rounds):
        order = names if r % 2 == 0 else names[::-1]
        for name in order:
            t0 = time.perf_counter()
            clients[name]()
            times[name].append(time.perf_counter() - t0)

    print(f"{platform.python_implementation()} {platform.python_version()} on "
          f"{platform.machine()}, {args.rounds} interleaved rounds, medians:")
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    base = medians["pycognito AWSSRP (1024-bit a)"]
    for name, m in medians.items():
        print(f"  {name:32} {m * 1e3:8.3f} ms   {base / m:6.1f}x")
    ratio = base / medians["cognito_signin (256-bit a)"]
    print(f"ratio (pycognito / cognito_signin, default settings): {ratio:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
