#!/usr/bin/env python3
"""The step agent in Python (standard library only): the supervisor's API is plain HTTP.

Works through AGENT_STEPS numbered steps, saves its context (JSON: the steps done, each with the epoch that did
it) every AGENT_CHECKPOINT_EVERY steps, continues after the last saved step when it starts again, exits 75 when a
newer incarnation owns the session (HTTP 409) and retries while the supervisor answers 503. Same behaviour and
context format as dev.tether.examples.agent.StepAgent.
"""
import hashlib
import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request

EXIT_DONE, EXIT_ERROR, EXIT_FENCED, EXIT_STOPPED = 0, 1, 75, 143

BASE = os.environ.get("TETHER_SUPERVISOR_URL", "http://127.0.0.1:8765").rstrip("/")
SESSION = os.environ.get("TETHER_SESSION_NAME", "session")
EPOCH = int(os.environ.get("TETHER_EPOCH", "0"))
STEPS = int(os.environ.get("AGENT_STEPS", "20"))
STEP_SECONDS = int(os.environ.get("AGENT_STEP_MILLIS", "500")) / 1000.0
EVERY = int(os.environ.get("AGENT_CHECKPOINT_EVERY", "3"))

stop_requested = threading.Event()


def log(line):
    print(f"[step-agent.py {SESSION}] {line}", file=sys.stderr, flush=True)


class Fenced(Exception):
    def __init__(self, epoch):
        super().__init__(epoch)
        self.epoch = epoch


def call(method, path, body=None, headers=None):
    """One request; returns (status, headers, body bytes), or None when the supervisor cannot be reached."""
    request = urllib.request.Request(BASE + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def retrying(method, path, body=None, headers=None):
    """Retries while the answer means "later" (no connection, 503), with capped backoff."""
    pause = 0.1
    while True:
        reply = call(method, path, body, headers)
        if reply is not None and reply[0] != 503:
            return reply
        time.sleep(pause)
        pause = min(pause * 2, 2.0)


def await_ready():
    pause = 0.1
    while True:
        status, _, body = retrying("GET", "/v1/session")
        session = json.loads(body)
        if session.get("fenced"):
            raise Fenced(session.get("currentEpoch"))
        if session.get("ready"):
            return
        time.sleep(pause)
        pause = min(pause * 2, 2.0)


def restore():
    status, headers, body = retrying("GET", "/v1/checkpoints/latest")
    if status == 404:
        log("no checkpoint: starting from scratch")
        return {"session": SESSION, "steps": []}
    if status != 200:
        raise RuntimeError(f"GET /v1/checkpoints/latest: HTTP {status} {body!r}")
    context = json.loads(body)
    last = context["steps"][-1]["step"] if context["steps"] else 0
    log(f"restored checkpoint {headers['X-Tether-Sequence']} at step {last} "
        f"(fallback: {headers.get('X-Tether-Restore-Fallback')}, {headers.get('X-Tether-Restore-Reason')})")
    return context


def save(context):
    step = context["steps"][-1]["step"]
    body = json.dumps(context).encode()
    status, _, reply = retrying("POST", "/v1/checkpoints", body,
                                {"Content-Type": "application/json", "X-Tether-Meta-step": str(step)})
    if status == 409:
        raise Fenced(json.loads(reply).get("currentEpoch"))
    if status != 201:
        raise RuntimeError(f"POST /v1/checkpoints: HTTP {status} {reply!r}")
    log(f"checkpoint {json.loads(reply)['sequence']} at step {step}")


def work():
    await_ready()
    context = restore()
    first = (context["steps"][-1]["step"] if context["steps"] else 0) + 1
    if first > STEPS:
        log(f"all {STEPS} steps were already done")
        return EXIT_DONE
    log(f"working on steps {first}..{STEPS} (epoch {EPOCH})")
    unsaved = False
    for step in range(first, STEPS + 1):
        if stop_requested.wait(STEP_SECONDS):
            log("stopping: saving the steps done so far")
            if unsaved:
                save(context)
            return EXIT_STOPPED
        result = hashlib.sha256(f"{SESSION}:{step}".encode()).hexdigest()
        context["steps"].append({"step": step, "result": result, "epoch": EPOCH})
        unsaved = True
        if step % EVERY == 0 or step == STEPS:
            save(context)
            unsaved = False
    log(f"all {STEPS} steps done")
    return EXIT_DONE


def main():
    signal.signal(signal.SIGTERM, lambda *_: stop_requested.set())
    try:
        return work()
    except Fenced as e:
        log(f"fenced: a newer incarnation (epoch {e.epoch}) owns the session; stopping")
        return EXIT_FENCED
    except RuntimeError as e:
        log(f"giving up: {e}")
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
