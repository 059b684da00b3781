"""Book tooling, kept apart from the science: results and sidecars (:mod:`.report`), the provenance
record (:mod:`.provenance`), paper reference values (:mod:`.reference`), claims and verdicts
(:mod:`.claims`), generated pages (:mod:`.pages`), figures (:mod:`.plots`), kernel-free explorers
(:mod:`.interactive`) and live ones (:mod:`.widgets`), launch links (:mod:`.launch`), the book's Sphinx
extension (:mod:`.site`) and the notebook runner (:mod:`.runner`)."""
