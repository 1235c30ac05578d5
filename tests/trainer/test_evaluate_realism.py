"""The realism protocol's parts: a critic that sees blur, that cannot tell a set from itself, and the
nearest-real-face lookup used to show a drawn cat is not a copy."""

import numpy as np
import pytest
import torch
from image_factory import synthetic_faces

from trainer.evaluate_realism import blurred, critic_accuracy, detail_ratio, nearest_real, to_side


@pytest.fixture
def one_thread():
    """Small convolutions: two intra-op threads only fight (10x slower on a busy 2-core machine)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_the_critic_sees_blur_and_not_a_set_against_itself(one_thread):
    faces = synthetic_faces(400, size=64, seed=8)
    real, other = faces[:200], faces[200:]
    r_train, r_test = to_side(real[:160], 32), to_side(real[160:], 32)
    blur = critic_accuracy(r_train, to_side(blurred(other[:160], 8), 32), r_test,
                           to_side(blurred(other[160:], 8), 32), progress=False)
    same = critic_accuracy(r_train, to_side(other[:160], 32), r_test, to_side(other[160:], 32), progress=False)
    assert blur["test_accuracy"] > 0.9
    assert 0.2 < same["test_accuracy"] < 0.8
    assert set(same) == {"test_accuracy", "train_accuracy"}


def test_detail_ratio_is_one_for_the_real_faces_and_low_for_blurred_ones():
    faces = synthetic_faces(12, size=192, seed=2)
    assert detail_ratio(faces, faces, 192) == 1.0
    assert detail_ratio(blurred(faces), faces, 192) < 0.5


def test_nearest_real_finds_a_copy_even_mirrored():
    real = synthetic_faces(30, size=96, seed=5)
    drawn = np.stack([real[7], real[19][:, ::-1]])
    assert nearest_real(drawn, real).tolist() == [7, 19]
