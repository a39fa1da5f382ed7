"""The demo accounts of CONTRACTS.md. A rerun of ``seed_demo`` resets these passwords."""

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    is_superuser: bool = False


DEMO_ACCOUNTS: list[DemoAccount] = [
    DemoAccount("admin", "admin", "staff superuser", is_superuser=True),
    DemoAccount("learner", "learner", "a learner with purchases, progress and reviews"),
    DemoAccount("bank-admin", "bank-admin", "partner member of the bank partner (slug bank)"),
    DemoAccount("home-admin", "home-admin", "partner member of the home-furnishing partner (slug home)"),
]
