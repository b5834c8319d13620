"""Every string of the studio's figures, in English and 中文 (figures.py and figures_more.py)."""
from ..i18n import Scope

TEXT = Scope("studio_figures")


MORE_TEXT = Scope("studio_results")
