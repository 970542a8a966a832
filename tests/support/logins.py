"""Signing in through the login page, as the throttle and account tests do it."""

from django.test import Client


def login(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def fail_logins(client: Client, username: str, times: int) -> None:
    """``times`` attempts with a wrong password for ``username`` (each one counts for the login throttle)."""
    for _ in range(times):
        login(client, username, "wrong")
