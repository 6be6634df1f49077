"""Who makes a change: a signed-in user, or the system acting for a command, a fixture or a migration.

Every write service takes an ``actor``. A user is held to their permissions; a :class:`SystemActor` is
trusted, and its name is recorded on the revision so the history says which tool wrote it. There is no
anonymous write: ``None`` is refused.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SystemActor:
    """The system, named for what acted: ``import_brief``, ``seed``, ``load_demo``, ``publish_scheduled``."""

    name: str = "system"

    # Duck-typed like AnonymousUser where code asks a user these questions.
    is_authenticated = False
    is_active = True
    is_staff = False
    pk = None

    def __post_init__(self):
        if not self.name or len(self.name) > 50:
            raise ValueError("A system actor needs a name of 1 to 50 characters.")

    def __str__(self):
        return self.name

    def has_perm(self, perm: str, obj=None) -> bool:
        return True

    def get_username(self) -> str:
        return self.name


SYSTEM = SystemActor()


def is_system(actor) -> bool:
    return isinstance(actor, SystemActor)
