"""The catalog sections of the studio's figures (figures.py and figures_more.py)."""
from ..i18n import Scope

# panel titles and axis names come from figures.PANELS; those that are glossary terms live there
TEXT = Scope("studio_figures", shared={"t_lr": "glossary.lr", "y_loss": "glossary.loss", "s_loss": "glossary.loss"})


MORE_TEXT = Scope("studio_results", shared={"col_id": "glossary.id", "col_piece": "glossary.piece"})
