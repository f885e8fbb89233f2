"""Golden cases for matching predicted baselines to the truth."""

from htr_core.evaluation.segmentation_metrics import baseline_distance, match_baselines
from htr_core.types import Box


def test_baseline_distance_is_measured_over_the_columns_both_span():
    distance, share_predicted, share_truth = baseline_distance([(0, 10), (100, 10)], [(50, 14), (150, 14)])
    assert distance == 4.0 and share_predicted == 0.5 and share_truth == 0.5
    assert baseline_distance([(0, 0), (10, 0)], [(20, 0), (30, 0)])[0] == float("inf")


def test_baselines_match_one_to_one_within_tolerance_and_overlap():
    truth = [[(0, 50), (400, 54)], [(0, 110), (400, 110)]]
    predicted = [[(5, 52), (395, 52)],  # the first line, close
                 [(0, 60), (380, 60)],  # the first again, but farther: the closer one takes it
                 [(0, 125), (400, 125)],  # the second line, 15 px off: outside a 10-px tolerance
                 [(300, 110), (400, 110)]]  # on the second, but covering only a quarter of it
    score = match_baselines(predicted, truth, tolerances=[10, 10])
    assert (score.matched, score.predicted, score.truth) == (1, 4, 2)
    assert match_baselines(predicted[:3], truth, tolerances=[10, 20]).matched == 2


def test_box_overlaps_golden():
    a, b = Box(0, 0, 10, 10), Box(5, 5, 20, 10)
    assert a.intersection_area(b) == b.intersection_area(a) == 25
    assert a.iou(b) == 25 / (100 + 75 - 25)
    assert a.intersection_area(Box(10, 0, 12, 10)) == 0 and a.iou(Box(10, 0, 12, 10)) == 0.0  # edges touch
