"""Every string of the pretraining studio page, in English and 中文."""
from ..i18n import Scope

TEXT = Scope("pretrain")
