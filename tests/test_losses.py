"""Losses: values against NumPy and PyTorch, gradients against finite differences,
stability at the extremes, target checks and lookup."""

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import losses

RNG = np.random.default_rng(0)
LOGITS = RNG.normal(size=(5, 4)) * 2
LABELS = np.array([0, 3, 1, 1, 2])
ONEHOT = np.eye(4)[LABELS]
SOFT = RNG.dirichlet(np.ones(4), size=5)  # soft targets, rows sum to 1
PROBS = RNG.uniform(0.05, 1.0, size=(5, 4))  # unnormalised, not from softmax
BINARY = RNG.integers(0, 2, size=(5, 3)).astype(np.float64)
REAL = RNG.normal(size=(5, 3))


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def t64(a, requires_grad=False):
    return tg.tensor(a, dtype="float64", requires_grad=requires_grad)


# ----- values against NumPy -----
def test_categorical_from_softmax_logits_and_probabilities():
    expected = -(ONEHOT * np.log(softmax(LOGITS))).sum(axis=-1)
    for y_pred, from_logits in [(tg.softmax(t64(LOGITS)), False), (t64(LOGITS), True)]:
        out = losses.categorical_crossentropy(ONEHOT, y_pred, from_logits=from_logits)
        assert out.shape == (5,)
        np.testing.assert_allclose(out.data, expected, rtol=1e-12)
        loss = losses.CategoricalCrossentropy(from_logits=from_logits)(ONEHOT, y_pred)
        assert loss.shape == () and loss.item() == pytest.approx(expected.mean(), rel=1e-12)


def test_categorical_renormalises_and_clips_probabilities_like_keras():
    p = PROBS / PROBS.sum(axis=-1, keepdims=True)
    expected = -(SOFT * np.log(np.clip(p, 1e-7, 1 - 1e-7))).sum(axis=-1)
    out = losses.categorical_crossentropy(SOFT, t64(PROBS))
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)


def test_sparse_matches_categorical_of_onehot():
    for y_pred, from_logits in [
        (tg.softmax(t64(LOGITS)), False),
        (t64(LOGITS), True),
        (t64(PROBS), False),
    ]:
        sparse = losses.sparse_categorical_crossentropy(LABELS, y_pred, from_logits=from_logits)
        dense = losses.categorical_crossentropy(ONEHOT, y_pred, from_logits=from_logits)
        np.testing.assert_allclose(sparse.data, dense.data, rtol=1e-12)
    column = losses.sparse_categorical_crossentropy(LABELS[:, None], t64(LOGITS), from_logits=True)
    expected = -np.log(softmax(LOGITS))[np.arange(5), LABELS]
    np.testing.assert_allclose(column.data, expected, rtol=1e-12)
    floats = losses.sparse_categorical_crossentropy(LABELS.astype(np.float32), t64(LOGITS), True)
    np.testing.assert_allclose(floats.data, column.data)


def test_binary_is_mean_over_last_axis():
    p = sigmoid(REAL)
    each = -(BINARY * np.log(p) + (1 - BINARY) * np.log(1 - p))
    expected = each.mean(axis=-1)
    for y_pred, from_logits in [(tg.sigmoid(t64(REAL)), False), (t64(REAL), True), (t64(p), False)]:
        out = losses.binary_crossentropy(BINARY, y_pred, from_logits=from_logits)
        assert out.shape == (5,)
        np.testing.assert_allclose(out.data, expected, rtol=1e-10)


def test_binary_targets_of_shape_n_against_outputs_n_1():
    p = t64(sigmoid(REAL[:, :1]))
    a = losses.BinaryCrossentropy()(BINARY[:, 0], p)
    b = losses.BinaryCrossentropy()(BINARY[:, :1], p)
    assert a.item() == pytest.approx(b.item(), rel=1e-12)


def test_mse_and_mae():
    y_pred = t64(REAL)
    target = REAL[::-1].copy()
    np.testing.assert_allclose(
        losses.mean_squared_error(target, y_pred).data, ((REAL - target) ** 2).mean(axis=-1)
    )
    np.testing.assert_allclose(
        losses.mean_absolute_error(target, y_pred).data, np.abs(REAL - target).mean(axis=-1)
    )
    assert losses.get("mse")(target, y_pred).item() == pytest.approx(((REAL - target) ** 2).mean())
    assert losses.get("mae")(target, y_pred).item() == pytest.approx(np.abs(REAL - target).mean())
    single = losses.MeanSquaredError()(REAL[:, 0], t64(REAL[:, :1] + 1))  # (n,) vs (n, 1)
    assert single.item() == pytest.approx(1.0)


# ----- values and gradients against PyTorch -----


def test_against_torch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    z = torch.tensor(LOGITS, requires_grad=True)
    cases = [
        (
            losses.CategoricalCrossentropy(),
            lambda x: tg.softmax(x),
            ONEHOT,
            lambda: F.cross_entropy(z, torch.tensor(LABELS)),
        ),
        (
            losses.CategoricalCrossentropy(from_logits=True),
            lambda x: x,
            SOFT,
            lambda: F.cross_entropy(z, torch.tensor(SOFT)),
        ),
        (
            losses.SparseCategoricalCrossentropy(),
            lambda x: tg.softmax(x),
            LABELS,
            lambda: F.nll_loss(F.log_softmax(z, dim=-1), torch.tensor(LABELS)),
        ),
        (
            losses.SparseCategoricalCrossentropy(from_logits=True),
            lambda x: x,
            LABELS,
            lambda: F.cross_entropy(z, torch.tensor(LABELS)),
        ),
        (
            losses.BinaryCrossentropy(),
            lambda x: tg.sigmoid(x),
            ONEHOT,
            lambda: F.binary_cross_entropy(torch.sigmoid(z), torch.tensor(ONEHOT)),
        ),
        (
            losses.BinaryCrossentropy(from_logits=True),
            lambda x: x,
            ONEHOT,
            lambda: F.binary_cross_entropy_with_logits(z, torch.tensor(ONEHOT)),
        ),
        (losses.MeanSquaredError(), lambda x: x, SOFT, lambda: F.mse_loss(z, torch.tensor(SOFT))),
        (losses.MeanAbsoluteError(), lambda x: x, SOFT, lambda: F.l1_loss(z, torch.tensor(SOFT))),
    ]
    for loss, activation, target, reference in cases:
        x = t64(LOGITS, requires_grad=True)
        ours = loss(target, activation(x))
        ours.backward()
        z.grad = None
        theirs = reference()
        theirs.backward()
        assert ours.item() == pytest.approx(theirs.item(), rel=1e-12), loss.name
        np.testing.assert_allclose(
            x.grad, z.grad.numpy(), rtol=1e-10, atol=1e-14, err_msg=loss.name
        )


def test_probabilities_against_torch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    p = PROBS / PROBS.sum(axis=-1, keepdims=True)
    ours = losses.SparseCategoricalCrossentropy()(LABELS, t64(p)).item()
    theirs = F.nll_loss(torch.log(torch.tensor(p)), torch.tensor(LABELS)).item()
    assert ours == pytest.approx(theirs, rel=1e-12)
    q = sigmoid(REAL)
    ours = losses.BinaryCrossentropy()(BINARY, t64(q)).item()
    theirs = F.binary_cross_entropy(torch.tensor(q), torch.tensor(BINARY)).item()
    assert ours == pytest.approx(theirs, rel=1e-12)


# ----- gradients against finite differences -----
@pytest.mark.parametrize(
    "f, x",
    [
        (lambda x: losses.categorical_crossentropy(SOFT, tg.softmax(x)), LOGITS),
        (lambda x: losses.categorical_crossentropy(SOFT, x), PROBS),
        (lambda x: losses.categorical_crossentropy(SOFT, x, from_logits=True), LOGITS),
        (lambda x: losses.sparse_categorical_crossentropy(LABELS, x), PROBS),
        (lambda x: losses.sparse_categorical_crossentropy(LABELS, tg.softmax(x)), LOGITS),
        (lambda x: losses.binary_crossentropy(BINARY, x), sigmoid(REAL)),
        (lambda x: losses.binary_crossentropy(BINARY, tg.sigmoid(x)), REAL),
        (lambda x: losses.binary_crossentropy(BINARY, x, from_logits=True), REAL),
        (lambda x: losses.mean_squared_error(BINARY, x), REAL),
        (lambda x: losses.mean_absolute_error(BINARY, x), REAL),
        (lambda x: losses.CategoricalCrossentropy()(SOFT, tg.softmax(x)), LOGITS),
    ],
)
def test_gradients_match_finite_differences(f, x):
    result = tg.check_grad(f, x)
    assert result.ok, str(result)


# ----- stability -----
def test_softmax_of_huge_logits_then_crossentropy_is_finite_and_fused():
    z = tg.tensor([[1e4, 0.0, -1e4], [0.0, 1e4, 0.0]], requires_grad=True)
    y = np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]], np.float32)
    loss = losses.CategoricalCrossentropy()(y, tg.softmax(z))
    loss.backward()
    assert np.isfinite(loss.item()) and loss.item() == pytest.approx(1e4 / 2)
    assert np.all(np.isfinite(z.grad))
    expected = (softmax(z.data.astype(np.float64)) - y) / 2  # the fused formula, batch mean
    np.testing.assert_allclose(z.grad, expected, atol=1e-7)
    sparse = losses.SparseCategoricalCrossentropy()(np.array([1, 1]), tg.softmax(z))
    assert sparse.item() == pytest.approx(loss.item())


def test_sigmoid_of_huge_logits_then_binary_crossentropy_is_finite():
    z = tg.tensor([[1e4], [-1e4]], requires_grad=True)
    loss = losses.BinaryCrossentropy()(np.array([[0.0], [1.0]]), tg.sigmoid(z))
    loss.backward()
    assert loss.item() == pytest.approx(1e4)
    np.testing.assert_allclose(z.grad, [[0.5], [-0.5]])


def test_probabilities_of_exactly_zero_and_one_stay_finite():
    p = tg.tensor([[0.0, 1.0, 0.0], [0.5, 0.5, 0.0]], requires_grad=True)
    y = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    for loss in (
        losses.categorical_crossentropy(y, p),
        losses.sparse_categorical_crossentropy(np.array([0, 2]), p),
        losses.binary_crossentropy(y, p),
    ):
        total = tg.sum(loss)
        p.zero_grad()
        total.backward()
        assert np.all(np.isfinite(loss.data)) and np.all(np.isfinite(p.grad))
    clipped = -np.log(np.float32(1e-7))
    assert losses.categorical_crossentropy(y, p).data[0] == pytest.approx(clipped, rel=1e-5)


def test_fused_path_only_when_the_activation_matches():
    # A softmax output given to binary_crossentropy (and a sigmoid output to the categorical
    # one) is scored as the probabilities it holds, with or without a recorded graph.
    z = t64(LOGITS, requires_grad=True)
    for grad_on in (True, False):
        with tg.enable_grad() if grad_on else tg.no_grad():
            s, g = tg.softmax(z), tg.sigmoid(z)
            bce = losses.binary_crossentropy(ONEHOT, s)
            cce = losses.categorical_crossentropy(ONEHOT, g)
        np.testing.assert_allclose(bce.data, losses.binary_crossentropy(ONEHOT, t64(s.data)).data)
        np.testing.assert_allclose(
            cce.data, losses.categorical_crossentropy(ONEHOT, t64(g.data)).data
        )
    with tg.no_grad():  # inference takes the fused path too
        fused = losses.categorical_crossentropy(ONEHOT, tg.softmax(t64(LOGITS) * 1000))
    assert np.all(np.isfinite(fused.data)) and fused.data.max() > 100


def test_from_logits_given_probabilities_warns():
    with pytest.warns(UserWarning, match="from_logits=True but y_pred comes from a softmax"):
        losses.CategoricalCrossentropy(from_logits=True)(ONEHOT, tg.softmax(t64(LOGITS)))


# ----- dtypes -----
def test_targets_take_the_prediction_dtype():
    pred32 = tg.softmax(tg.tensor(LOGITS))
    assert losses.CategoricalCrossentropy()(ONEHOT.astype(np.int64), pred32).dtype == np.float32
    assert losses.CategoricalCrossentropy()(tg.tensor(ONEHOT), t64(PROBS)).dtype == np.float64
    assert losses.MeanSquaredError()(REAL, tg.tensor(REAL)).dtype == np.float32


def test_sparse_rejects_fractional_labels():
    with pytest.raises(TypeError, match="integer class indices"):
        losses.sparse_categorical_crossentropy(np.array([0.5, 1, 2, 0, 1]), t64(LOGITS))


# ----- check_targets -----
def test_check_targets_accepts_good_targets():
    losses.CategoricalCrossentropy().check_targets(ONEHOT, (None, 4))
    losses.SparseCategoricalCrossentropy().check_targets(LABELS, (None, 4))
    losses.SparseCategoricalCrossentropy().check_targets(LABELS[:, None], (None, 4))
    losses.SparseCategoricalCrossentropy().check_targets(LABELS.astype(np.float32), (None, 4))
    losses.BinaryCrossentropy().check_targets(BINARY, (None, 3))
    losses.BinaryCrossentropy().check_targets(BINARY[:, 0], (None, 1))
    losses.MeanSquaredError().check_targets(REAL, (None, 3))


@pytest.mark.parametrize(
    "loss, y, shape, match",
    [
        (
            losses.CategoricalCrossentropy(),
            LABELS,
            (None, 4),
            r"integer class labels of shape \(5,\).*to_categorical\(y, 4\).*sparse_categorical",
        ),
        (losses.CategoricalCrossentropy(), LABELS[:, None], (None, 4), "to_categorical"),
        (
            losses.CategoricalCrossentropy(),
            np.eye(3)[[0, 1]],
            (None, 4),
            r"one-hot targets of shape \(2, 3\) do not fit outputs of shape \(None, 4\)",
        ),
        (
            losses.SparseCategoricalCrossentropy(),
            np.array([0, 4]),
            (None, 4),
            r"labels must lie in \[0, 4\).*from 0 to 4",
        ),
        (losses.SparseCategoricalCrossentropy(), np.array([-1, 2]), (None, 4), "lie in"),
        (losses.SparseCategoricalCrossentropy(), ONEHOT, (None, 4), "look one-hot"),
        (
            losses.SparseCategoricalCrossentropy(),
            np.array([0.5, 1.0]),
            (None, 4),
            "non-integer values",
        ),
        (losses.BinaryCrossentropy(), np.array([[0.0], [2.0]]), (None, 1), r"lie in \[0, 1\]"),
        (losses.BinaryCrossentropy(), LABELS, (None, 4), "do not fit"),
        (losses.MeanSquaredError(), REAL, (None, 2), r"expected shape \(n, 2\)"),
    ],
)
def test_check_targets_errors(loss, y, shape, match):
    with pytest.raises(ValueError, match=match):
        loss.check_targets(y, shape)


# ----- lookup and config -----
@pytest.mark.parametrize(
    "identifier, cls",
    [
        ("categorical_crossentropy", losses.CategoricalCrossentropy),
        ("CategoricalCrossentropy", losses.CategoricalCrossentropy),
        ("sparse_categorical_crossentropy", losses.SparseCategoricalCrossentropy),
        ("binary_crossentropy", losses.BinaryCrossentropy),
        ("mse", losses.MeanSquaredError),
        ("MSE", losses.MeanSquaredError),
        ("mean_squared_error", losses.MeanSquaredError),
        ("mae", losses.MeanAbsoluteError),
        ("mean_absolute_error", losses.MeanAbsoluteError),
        (losses.categorical_crossentropy, losses.CategoricalCrossentropy),
        (losses.mse, losses.MeanSquaredError),
        (losses.BinaryCrossentropy, losses.BinaryCrossentropy),
    ],
)
def test_get(identifier, cls):
    assert type(losses.get(identifier)) is cls


def test_get_objects_configs_functions_and_errors():
    loss = losses.CategoricalCrossentropy(from_logits=True)
    assert losses.get(loss) is loss
    again = losses.get({"class_name": "CategoricalCrossentropy", "config": loss.get_config()})
    assert again.from_logits and again.name == "categorical_crossentropy"
    assert type(loss).from_config(loss.get_config()).get_config() == loss.get_config()

    def half_squares(y_true, y_pred):
        return tg.sum(tg.square(y_pred - y_true), axis=-1) / 2

    wrapped = losses.get(half_squares)
    assert wrapped.name == "half_squares"
    assert wrapped(np.zeros((2, 2)), t64(np.ones((2, 2)))).item() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="Unknown loss 'hinge'.*categorical_crossentropy"):
        losses.get("hinge")
    with pytest.raises(TypeError, match="expected a loss name"):
        losses.get(3)


def test_names():
    assert losses.CategoricalCrossentropy().name == "categorical_crossentropy"
    assert losses.SparseCategoricalCrossentropy().name == "sparse_categorical_crossentropy"
    assert losses.BinaryCrossentropy().name == "binary_crossentropy"
    assert losses.MeanSquaredError().name == "mean_squared_error"
    assert losses.MeanAbsoluteError(name="l1").name == "l1"
