#!/usr/bin/python3
"""ptydrive.py PLAN TRANSCRIPT -- COMMAND...: run COMMAND on a pseudo-
terminal, as a person at the keyboard would: wait for each prompt in PLAN,
then type its answer.

A test tool.  PLAN holds one "PROMPT<TAB>ANSWER" per line: the answer is
typed only once PROMPT (a plain substring) has appeared since the last
answer, so that, as at a real terminal, a PIN is typed only after echo is
off.  Everything the terminal shows is written to TRANSCRIPT.  Exits with
the command's status, or 124 if a prompt does not come within 60 s.
"""
import os
import pty
import select
import sys
import time


def main():
    plan_file, transcript = sys.argv[1], sys.argv[2]
    cmd = sys.argv[sys.argv.index("--") + 1:]
    plan = []
    with open(plan_file) as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                prompt, _, answer = line.partition("\t")
                plan.append((prompt, answer))
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    seen = b""
    out = open(transcript, "wb")
    step = 0
    deadline = time.time() + 60
    status = None
    while True:
        r, _, _ = select.select([fd], [], [], 0.5)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            if not data:
                break
            out.write(data)
            out.flush()
            seen += data
        if step < len(plan) and plan[step][0].encode() in seen:
            # No pause is needed: our PIN prompt turns echo off before
            # it prints, and the shell's prompts read whatever is typed
            # after they show.  A PIN typed too early would be echoed,
            # which the tests' transcript checks catch.
            os.write(fd, plan[step][1].encode() + b"\r")
            seen = b""
            step += 1
            deadline = time.time() + 60
        if time.time() > deadline:
            out.write(b"\n[ptydrive: no prompt %r]\n" %
                      (plan[step][0].encode() if step < len(plan) else b""))
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            sys.exit(124)
    _, st = os.waitpid(pid, 0)
    status = os.waitstatus_to_exitcode(st)
    if step < len(plan):
        out.write(b"\n[ptydrive: %d prompts never came]\n" %
                  (len(plan) - step))
        sys.exit(125)
    sys.exit(status)


main()
