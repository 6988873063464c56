"""Subgroup discovery: embedding, consensus clustering, stability, profiling, replication.

- :class:`ConsensusClustering`: resampled clustering (Gaussian mixture, k-means,
  Ward, HDBSCAN) with a documented rule for k, stability, prediction for new patients.
- :class:`Embedder`: PCA or UMAP embedding of patients, for plots and density clustering.
- :func:`structure_test`, :func:`reference_null`, :func:`dip_test`: is there any
  subgroup structure?
  The test :class:`ConsensusClustering` runs before choosing k (k = 1 when none);
  :class:`StructureTest` holds its result.
- :func:`profile`: summary, effect size, p and FDR q of every feature in every subgroup;
  :func:`name_subgroups`: descriptive names from the profiles ("S2 - IFIT3 high, Anti-SSA/Ro+").
- :func:`replicate`: prediction strength, in-group proportion and agreement in an
  external cohort.
- :func:`prediction_strength`, :func:`in_group_proportion`: the replication statistics.
- :func:`align_labels`: rename cluster labels to agree with reference labels (Hungarian).
"""

from ._align import align_labels
from ._consensus import ConsensusClustering
from ._embed import Embedder
from ._names import name_subgroups
from ._profile import profile
from ._replicate import in_group_proportion, prediction_strength, replicate
from ._structure import StructureTest, dip_test, reference_null, structure_test

__all__ = [
    "ConsensusClustering",
    "Embedder",
    "StructureTest",
    "align_labels",
    "dip_test",
    "in_group_proportion",
    "name_subgroups",
    "prediction_strength",
    "profile",
    "reference_null",
    "replicate",
    "structure_test",
]
