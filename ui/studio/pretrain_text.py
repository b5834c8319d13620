"""The catalog section of the pretraining studio page (``[pretrain]`` in ui/locales/<lang>.toml)."""
from ..i18n import Scope

TEXT = Scope("pretrain")
