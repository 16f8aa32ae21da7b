import rules

from engagements.rules import is_not_viewer

rules.add_perm("reviews.log_action_item", is_not_viewer)
