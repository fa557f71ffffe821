"""A model that computes its own loss (Keras 3's compute_loss override), with metrics held
in its attributes: logged, reset each epoch and reported as Keras does; and the book's
variational autoencoder in that shape, with a sampler layer called on two tensors; and a
GAN with its own compile, train_step and metrics."""

from __future__ import annotations

import os

import numpy as np
import pytest

import tensorgrad as tg

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
X = np.linspace(-1.0, 1.0, 16, dtype=np.float32).reshape(8, 2)
Y = np.linspace(0.0, 2.0, 8, dtype=np.float32).reshape(8, 1)


def tracked(lib):
    class OwnLoss(lib.Model):
        def __init__(self):
            super().__init__()
            self.dense = lib.layers.Dense(1)
            self.doubled = lib.metrics.Mean(name="doubled")

        def call(self, x):
            return self.dense(x)

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            loss = lib.ops.mean((y_pred - y) ** 2)
            self.doubled.update_state(loss * 2)
            return loss

    model = OwnLoss()
    model.compile(optimizer=lib.optimizers.SGD(0.05), metrics=["mae"])
    model(X[:1])
    return model


def test_metrics_in_attributes_are_logged_and_reset_as_in_keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    theirs, ours = tracked(keras), tracked(tg)
    ours.set_weights(theirs.get_weights())
    results = []
    for model in (theirs, ours):
        history = model.fit(X, Y, epochs=3, batch_size=4, verbose=0, shuffle=False).history
        results.append((history, model.evaluate(X, Y, verbose=0, return_dict=True)))
    (want_fit, want_eval), (got_fit, got_eval) = results
    assert sorted(got_fit) == sorted(want_fit) == ["doubled", "loss", "mae"]
    for key in want_fit:
        np.testing.assert_allclose(got_fit[key], want_fit[key], rtol=1e-5)
        np.testing.assert_allclose(got_eval[key], want_eval[key], rtol=1e-5)
    assert [m.name for m in ours.metrics][-1] == "doubled"


class Sampler(tg.layers.Layer):
    """z = mean + exp(log_var / 2) * noise: called on two symbolic tensors."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = tg.random.SeedGenerator(1)
        self.built = True

    def call(self, z_mean, z_log_var):
        batch_size, z_size = tg.ops.shape(z_mean)[0], tg.ops.shape(z_mean)[1]
        epsilon = tg.random.normal((batch_size, z_size), seed=self.seed_generator)
        return z_mean + tg.ops.exp(0.5 * z_log_var) * epsilon


def vae_parts():
    layers = tg.layers
    inputs = tg.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, 3, activation="relu", strides=2, padding="same")(inputs)
    x = layers.Conv2D(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Dense(16, activation="relu")(layers.Flatten()(x))
    z_mean, z_log_var = layers.Dense(2, name="z_mean")(x), layers.Dense(2, name="z_log_var")(x)
    encoder = tg.Model(inputs, [z_mean, z_log_var], name="encoder")
    latent = tg.Input(shape=(2,))
    x = layers.Reshape((7, 7, 64))(layers.Dense(7 * 7 * 64, activation="relu")(latent))
    x = layers.Conv2DTranspose(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Conv2DTranspose(32, 3, activation="relu", strides=2, padding="same")(x)
    out = layers.Conv2D(1, 3, activation="sigmoid", padding="same")(x)
    return encoder, tg.Model(latent, out, name="decoder")


class VAE(tg.Model):
    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder, self.sampler = encoder, decoder, Sampler()
        self.reconstruction_loss_tracker = tg.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = tg.metrics.Mean(name="kl_loss")

    def call(self, inputs):
        return self.encoder(inputs)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        ops = tg.ops
        z_mean, z_log_var = y_pred
        reconstruction = self.decoder(self.sampler(z_mean, z_log_var))
        per_pixel = tg.losses.binary_crossentropy(x, reconstruction)
        reconstruction_loss = ops.mean(ops.sum(per_pixel, axis=(1, 2)))
        kl_loss = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
        total_loss = reconstruction_loss + ops.mean(kl_loss)
        self.reconstruction_loss_tracker.update_state(reconstruction_loss)
        self.kl_loss_tracker.update_state(kl_loss)
        return total_loss


def test_the_books_vae_trains_with_fit_on_images_alone():
    tg.utils.set_random_seed(0)
    encoder, decoder = vae_parts()
    assert (encoder.count_params(), decoder.count_params()) == (69_076, 65_089)
    sampled = Sampler()(*encoder.outputs)
    assert sampled.shape == (None, 2)
    rng = np.random.default_rng(0)
    images = (rng.random((256, 28, 28, 1)) < 0.3).astype(np.float32)
    vae = VAE(encoder, decoder)
    vae.compile(optimizer=tg.optimizers.Adam())
    history = vae.fit(images, epochs=3, batch_size=64, verbose=0).history
    assert sorted(history) == ["kl_loss", "loss", "reconstruction_loss"]
    assert history["loss"][-1] < history["loss"][0]
    for epoch in range(3):
        parts = history["reconstruction_loss"][epoch] + history["kl_loss"][epoch]
        assert abs(history["loss"][epoch] - parts) < 1e-3 * history["loss"][epoch]


def test_a_gan_with_its_own_compile_step_and_metrics():
    """The book's GAN shape: compile(d_optimizer, g_optimizer, loss_fn), a train_step that
    takes the images alone, and a `metrics` property of its two losses."""
    keras, layers, ops = tg, tg.layers, tg.ops
    latent_dim = 8
    discriminator = keras.Sequential(
        [
            keras.Input((16,)),
            layers.Dense(32),
            layers.LeakyReLU(0.2),
            layers.Dense(1, activation="sigmoid"),
        ],
        name="discriminator",
    )
    generator = keras.Sequential(
        [
            keras.Input((latent_dim,)),
            layers.Dense(32),
            layers.LeakyReLU(0.2),
            layers.Dense(16, activation="sigmoid"),
        ],
        name="generator",
    )

    class GAN(keras.Model):
        def __init__(self, discriminator, generator, latent_dim):
            super().__init__()
            self.discriminator, self.generator, self.latent_dim = (
                discriminator,
                generator,
                latent_dim,
            )
            self.d_loss_metric = keras.metrics.Mean(name="d_loss")
            self.g_loss_metric = keras.metrics.Mean(name="g_loss")
            self.seed_generator = keras.random.SeedGenerator(1)

        def compile(self, d_optimizer, g_optimizer, loss_fn):
            super().compile()
            self.d_optimizer, self.g_optimizer, self.loss_fn = d_optimizer, g_optimizer, loss_fn

        @property
        def metrics(self):
            return [self.d_loss_metric, self.g_loss_metric]

        def train_step(self, real_images):
            batch_size = ops.shape(real_images)[0]
            z = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
            fake = self.generator(z)
            combined = ops.concatenate([fake.detach(), ops.convert_to_tensor(real_images)], axis=0)
            labels = ops.concatenate(
                [ops.ones((batch_size, 1)), ops.zeros((batch_size, 1))], axis=0
            )
            d_loss = self.loss_fn(labels, self.discriminator(combined))
            d_loss.backward()
            w = self.discriminator.trainable_weights
            self.d_optimizer.apply([v.grad for v in w], w)
            for v in w:
                v.grad = None
            z = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
            g_loss = self.loss_fn(ops.zeros((batch_size, 1)), self.discriminator(self.generator(z)))
            g_loss.backward()
            w = self.generator.trainable_weights
            self.g_optimizer.apply([v.grad for v in w], w)
            for v in w + self.discriminator.trainable_weights:
                v.grad = None
            self.d_loss_metric.update_state(d_loss.item())
            self.g_loss_metric.update_state(g_loss.item())
            return {"d_loss": self.d_loss_metric.result(), "g_loss": self.g_loss_metric.result()}

    gan = GAN(discriminator, generator, latent_dim)
    gan.compile(
        keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3), keras.losses.BinaryCrossentropy()
    )
    images = np.random.default_rng(0).random((256, 16)).astype("float32")
    history = gan.fit(images, epochs=3, batch_size=32, verbose=0).history
    assert sorted(history) == ["d_loss", "g_loss"] and len(history["d_loss"]) == 3
    assert gan.d_loss_metric.count == 8  # reset at each epoch: the last epoch's 8 batches


def test_an_unbuilt_layer_called_on_two_tensors_builds_from_the_first():
    class Scaled(tg.layers.Layer):
        def build(self, input_shape):
            self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones")

        def call(self, a, b):
            return a * self.scale + b

    layer = Scaled()
    out = layer(np.ones((2, 3), dtype=np.float32), np.full((2, 3), 2.0, dtype=np.float32))
    np.testing.assert_array_equal(out.numpy(), np.full((2, 3), 3.0))
    assert layer.scale.shape == (3,)
    symbolic = Scaled()(tg.Input((4,)), tg.Input((4,)))
    assert symbolic.shape == (None, 4)
