"""Metrics for image-to-image translation, cross-checked against reference implementations.

One concept per module:

- :mod:`~i2ilib.metrics.score` -- :class:`Score`: a value that names its metric and extractor.
- :mod:`~i2ilib.metrics.distribution` -- set distances on features: Fréchet distance (FID),
  KID/KMMD, improved precision/recall, independent Wasserstein critic.
- :mod:`~i2ilib.metrics.features` -- feature extractors and batched feature extraction.
- :mod:`~i2ilib.metrics.synthnet` -- the book's offline feature CNN (trained by
  :mod:`~i2ilib.metrics.train_features`, shipped in ``i2ilib/assets``).
- :mod:`~i2ilib.metrics.set_scores` -- the set distances on images, returned as :class:`Score`.
- :mod:`~i2ilib.metrics.perceptual` -- LPIPS / LPIPS-style distance and output diversity
  (random pairs, or every pair of given outputs per input).
- :mod:`~i2ilib.metrics.segmentation` -- confusion matrix, pixel/class accuracy, IoU, FCN-score.
- :mod:`~i2ilib.metrics.depth` -- delta thresholds and RMSE (linear, log) of depth maps.
- :mod:`~i2ilib.metrics.classification` -- reverse classification accuracy, misclassification
  rate, drop in confidence, alignment factor.
- :mod:`~i2ilib.metrics.reconstruction` -- MSE to ground truth, InfoSim, ID distance.
- :mod:`~i2ilib.metrics.identity` -- the SynthFaces identity network ``synthid-v1-d128`` (trained
  by :mod:`~i2ilib.metrics.train_identity`), the embedder for InfoSim and ID distance.
- :mod:`~i2ilib.metrics.dlib_faces` -- dlib's face-recognition descriptors for real faces
  (``faces`` extra).
- :mod:`~i2ilib.metrics.attributes` -- the SynthFaces attribute classifier ``synthattr-v1``
  (trained by :mod:`~i2ilib.metrics.train_attributes`) and task completion.
- :mod:`~i2ilib.metrics.digitnet` -- the printed-digit classifier ``digitcnn-v1`` (trained by
  :mod:`~i2ilib.metrics.train_digits`), the judge of digit translations (OST's Fig. 3 (a)).
- :mod:`~i2ilib.metrics.assets` -- loading and saving the networks shipped in ``i2ilib/assets``;
  :mod:`~i2ilib.metrics.retrain` retrains them (``python -m i2ilib.metrics.retrain all``).
- :mod:`~i2ilib.metrics.spaces` -- representation spaces: embeddings, PCA, fitted ellipses.
- :mod:`~i2ilib.metrics.failures` -- diagnostics of failed translators (spread, input
  retrieval, memorisation, class mapping).
- :mod:`~i2ilib.metrics.image_stats` -- RMS contrast, sharpness, mean-colour error.
- :mod:`~i2ilib.metrics.segnet` -- the SynthScenes segmenter ``scenesegnet-v1`` (trained by
  :mod:`~i2ilib.metrics.train_segnet`) and the labels -> photo FCN-score.
- :mod:`~i2ilib.metrics.baselines` -- trivial baselines (identity, blur, training mean), task
  completion judged with the truth, and the sanity check a model must pass.
- :mod:`~i2ilib.metrics.wasserstein_critic` -- the independent Wasserstein critic (IW, thesis
  eq. 2.6) on images, with the WGAN-GP ResNet critic trained on held-out data.
- :mod:`~i2ilib.metrics.modes` -- modes covered and the fraction of high-quality samples (within
  3 standard deviations of a mode) on toy mixtures of Gaussians (:mod:`i2ilib.data.toy2d`).
- :mod:`~i2ilib.metrics.separation` -- SI-SDR of separated audio, and the voice left when a
  background's magnitude (a translator's removal, the mean instrumental spectrum, the truth) is
  subtracted from a mixture's spectrogram.
"""

from __future__ import annotations

from .classification import (
    alignment_factor,
    drop_in_confidence,
    misclassification_rate,
    reverse_classification_accuracy,
)
from .depth import depth_scores, depth_scores_per_image
from .distribution import (
    IWResult,
    feature_statistics,
    frechet_distance,
    frechet_distance_from_stats,
    independent_wasserstein_critic,
    kid,
    mmd2_unbiased,
    precision_recall,
)
from .dlib_faces import SAME_PERSON_THRESHOLD, DlibFaceEmbedder, dlib_available
from .features import (
    FeatureExtractor,
    InceptionExtractor,
    RandomConvExtractor,
    best_available_extractor,
    extract_features,
    inception_extractor,
)
from .identity import FaceIdentityNet, synthfaces_identity_embedder, synthfaces_identity_record
from .perceptual import (
    LPIPSDistance,
    LPIPSStyleDistance,
    PerceptualDistance,
    diversity,
    lpips_available,
    pairwise_diversity,
    perceptual_distance,
)
from .reconstruction import id_distance, infosim, mse, per_direction_mse
from .score import Score
from .segmentation import (
    class_accuracies,
    class_iou,
    confusion_matrix,
    fcn_score_photo2labels,
    global_accuracy,
    mean_class_accuracy,
    mean_iou,
    pixel_accuracy,
    rgb_to_labels,
    segmentation_scores,
)
from .segnet import (
    SceneSegNet,
    fcn_score_labels2photo,
    scene_segmenter,
    scene_segmenter_record,
    segment,
)
from .set_scores import fd_score, kid_score, precision_recall_scores
from .synthnet import SynthFeatureNet, synth_feature_extractor
from .wasserstein_critic import independent_wasserstein_images

__all__ = [
    "SAME_PERSON_THRESHOLD",
    "DlibFaceEmbedder",
    "FaceIdentityNet",
    "FeatureExtractor",
    "IWResult",
    "InceptionExtractor",
    "LPIPSDistance",
    "LPIPSStyleDistance",
    "PerceptualDistance",
    "RandomConvExtractor",
    "SceneSegNet",
    "Score",
    "SynthFeatureNet",
    "alignment_factor",
    "best_available_extractor",
    "class_accuracies",
    "class_iou",
    "confusion_matrix",
    "depth_scores",
    "depth_scores_per_image",
    "diversity",
    "dlib_available",
    "drop_in_confidence",
    "extract_features",
    "fcn_score_labels2photo",
    "fcn_score_photo2labels",
    "fd_score",
    "feature_statistics",
    "frechet_distance",
    "frechet_distance_from_stats",
    "global_accuracy",
    "id_distance",
    "inception_extractor",
    "independent_wasserstein_critic",
    "independent_wasserstein_images",
    "infosim",
    "kid",
    "kid_score",
    "lpips_available",
    "mean_class_accuracy",
    "mean_iou",
    "misclassification_rate",
    "mmd2_unbiased",
    "mse",
    "pairwise_diversity",
    "per_direction_mse",
    "perceptual_distance",
    "pixel_accuracy",
    "precision_recall",
    "precision_recall_scores",
    "reverse_classification_accuracy",
    "rgb_to_labels",
    "scene_segmenter",
    "scene_segmenter_record",
    "segment",
    "segmentation_scores",
    "synth_feature_extractor",
    "synthfaces_identity_embedder",
    "synthfaces_identity_record",
]

# The SynthFaces attribute classifier ``synthattr-v1`` (trained by
# :mod:`~i2ilib.metrics.train_attributes`) and the task-completion rate of removal tasks.
from .attributes import (
    FaceAttributeNet,
    attribute_probabilities,
    face_attribute_classifier,
    face_attribute_record,
    task_completion,
)

__all__ += [
    "FaceAttributeNet",
    "attribute_probabilities",
    "face_attribute_classifier",
    "face_attribute_record",
    "task_completion",
]
