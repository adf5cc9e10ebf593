from typing import Any

from django.core.management.base import BaseCommand

from accounts.policy import TWO_FACTOR_ROLES
from layers.roles import ROLE_LABELS
from mapapp import demo


class Command(BaseCommand):
    help = "Load the Upplands Väsby demo data (real boundaries and police events, generated incidents and walks)."

    def handle(self, *args: Any, **options: Any) -> None:
        summary = demo.load_demo()
        self.stdout.write(self.style.SUCCESS(f"Demodata för {summary.municipality} är inläst:"))
        for name, count in summary.counts.items():
            self.stdout.write(f"  {name:24} {count:>7}")
        for note in summary.notes:
            self.stdout.write(self.style.WARNING(f"  Avvisad: {note}"))
        self.stdout.write(f"\nInloggningar (demo, lösenord för alla: {demo.DEMO_PASSWORD}):")
        for username, full_name, role in demo.DEMO_USERS:
            self.stdout.write(f"  {username:12} {ROLE_LABELS[role]} ({full_name})")
        self.stdout.write(
            "\nAnalytiker och administratörer loggar också in med en sexsiffrig kod (tvåfaktor). Lägg in "
            "nyckeln i en autentiseringsapp, eller skriv `make totp USER=ANVÄNDARE` för koden just nu:"
        )
        for username, _full_name, role in demo.DEMO_USERS:
            if role in TWO_FACTOR_ROLES:
                self.stdout.write(f"  {username:12} TOTP-nyckel {demo.demo_totp_secret(username)}")
