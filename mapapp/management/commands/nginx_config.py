"""Write nginx's configuration for Trygg (deploy/nginx.conf filled in; docs/deployment.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from config import proxy


class Command(BaseCommand):
    help = "Skriv nginx-konfigurationen för Trygg (nginx framför gunicorn, docs/deployment.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--listen", default="8000", help="nginx's port, or address:port")
        parser.add_argument(
            "--upstream", default="127.0.0.1:8001", help="gunicorn's address:port, or unix:/path"
        )
        parser.add_argument(
            "--run-dir", default="var/nginx", help="a folder for nginx's pid, logs and buffers"
        )
        parser.add_argument("--access-log", default="off", help='a file, "/dev/stdout" or "off"')
        parser.add_argument("--error-log", default=None, help="a file or /dev/stderr")
        parser.add_argument(
            "--output", default="-", help="the file to write, - for standard output"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        run_dir = Path(options["run_dir"]).resolve()
        proxy.prepare_run_dir(run_dir)
        text = proxy.render(
            listen=options["listen"],
            upstream=options["upstream"],
            run_dir=run_dir,
            access_log=options["access_log"],
            error_log=options["error_log"],
        )
        if options["output"] == "-":
            self.stdout.write(text, ending="")
        else:
            Path(options["output"]).write_text(text, encoding="utf-8")
