"""Errors of the store. Messages are shown to operators as they are: they name objects
(homes, releases, packages, centres), never patient data."""


class StoreError(Exception):
    """Something about the working store or the releases prevents the operation."""


class StoreBusy(StoreError):
    """Another process (or another thread) holds the working-store lock."""


class UnknownRelease(StoreError):
    """The release asked for does not exist."""


class NothingToPublish(StoreError):
    """The working store is empty, or unchanged since the last release."""


class StaleLinkage(StoreError):
    """The SNDS links were computed on other data than the working store's current data."""


class BadSetting(StoreError):
    """An environment variable of entrepot holds a value the store cannot use."""
