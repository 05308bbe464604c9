"""Where the warehouse keeps its files: one directory, the *home*."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: Environment variable naming the home when no `--home` option is given.
HOME_VARIABLE = "ENTREPOT_HOME"
#: The home used when neither the option nor the environment names one.
DEFAULT_HOME = Path("entrepot-data")


@dataclass(frozen=True)
class Home:
    """The warehouse's directory and its fixed sub-directories.

    Sub-directories are created on demand by the code that writes into them, so a `Home`
    can be built for a path that does not exist yet (e.g. to print where data would go).
    """

    root: Path

    def __post_init__(self) -> None:
        # Absolute, so paths handed to engines (Spark runs in another process) and stored
        # in reports do not depend on the current directory.
        object.__setattr__(self, "root", Path(self.root).expanduser().absolute())

    @classmethod
    def resolve(cls, option: Path | None) -> Home:
        """The home named by a `--home` option, else by `$ENTREPOT_HOME`, else `./entrepot-data`."""
        if option is not None:
            return cls(option)
        from_environment = os.environ.get(HOME_VARIABLE)
        return cls(Path(from_environment) if from_environment else DEFAULT_HOME)

    @property
    def registry_dir(self) -> Path:
        return self.root / "registry"

    @property
    def working_dir(self) -> Path:
        return self.root / "working"

    @property
    def releases_dir(self) -> Path:
        return self.root / "releases"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    @property
    def workspaces_dir(self) -> Path:
        """Each project's workspace: its extracts, which never leave but through outputs."""
        return self.root / "workspaces"

    @property
    def project_keys_dir(self) -> Path:
        """Projects' pseudonym keys (`$ENTREPOT_PROJECT_KEYS` to keep them elsewhere)."""
        return Path(os.environ.get("ENTREPOT_PROJECT_KEYS") or self.root / "keys" / "projects")

    @property
    def lock_path(self) -> Path:
        return self.root / ".lock"
