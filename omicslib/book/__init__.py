"""Book tooling, kept apart from the science and above it (it imports the data layer, never the
reverse; the provenance record every dataset carries is :mod:`omicslib.provenance`): results and
sidecars (:mod:`.report`), paper reference values (:mod:`.reference`), claims and verdicts
(:mod:`.claims`), generated pages (:mod:`.pages`), figures (:mod:`.plots`), kernel-free explorers
(:mod:`.interactive`) and live ones (:mod:`.widgets`), launch links (:mod:`.launch`), the book's Sphinx
extension (:mod:`.site`) and the notebook runner (:mod:`.runner`)."""
