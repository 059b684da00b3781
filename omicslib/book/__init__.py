"""Book tooling, kept apart from the science: results and sidecars (:mod:`.report`), the provenance
record (:mod:`.provenance`), paper reference values (:mod:`.reference`), claims and verdicts
(:mod:`.claims`), generated pages (:mod:`.pages`), figures (:mod:`.plots`), explorers
(:mod:`.widgets`) and the notebook runner (:mod:`.runner`)."""
