import rules

from engagements.rules import is_not_viewer, is_party

rules.add_perm("reviews.log_action_item", is_not_viewer)

# Every member may read the packs; making one (work for the worker, a file kept for weeks) is
# for those who also log actions. Subscribing only sends the pack to oneself, so every member
# may, the read-only executives the pack is written for included.
rules.add_perm("reviews.generate_qbr_pack", is_not_viewer)
rules.add_perm("reviews.subscribe_qbr_pack", is_party)
