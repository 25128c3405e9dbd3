#!/usr/bin/env python3
"""A real SMTP server for the test suite (aiosmtpd).

Stores each accepted message as one .eml file in --dir, or answers DATA with the
replies listed in --script first (e.g. "451,451" to fail twice, then accept).
Prints "ready" once listening; runs until killed.
"""
import argparse
import asyncio
import os
import uuid

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out_dir, script, delay):
        self.out_dir = out_dir
        self.script = [s for s in script.split(",") if s]
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.script:
            code = self.script.pop(0)
            if code != "250":
                return f"{code} scripted reply from the test sink"
        name = os.path.join(self.out_dir, f"{uuid.uuid4()}.eml")
        with open(name + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(name + ".tmp", name)
        return "250 OK"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--script", default="")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds to wait before answering DATA")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    controller = Controller(Sink(args.dir, args.script, args.delay), hostname="127.0.0.1", port=args.port)
    controller.start()
    print("ready", flush=True)
    try:
        asyncio.get_event_loop().run_forever()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
