/**
 * The {@code gpu} compute target: a machine with NVIDIA GPUs, whose devices are found with {@code nvidia-smi} and
 * handed whole to the steps that ask for them ({@code .resources(r -> r.gpus(2))}); each attempt runs in a JVM of its
 * own, as on the {@code process} target, with {@code CUDA_VISIBLE_DEVICES} naming its devices.
 *
 * <ul>
 *   <li>{@link io.pipewright.compute.gpu.GpuTargetProvider}: the target type {@code gpu}, found with
 *       {@link java.util.ServiceLoader}, and its settings;
 *   <li>{@link io.pipewright.compute.gpu.GpuTarget}: the target, with the devices it found;
 *   <li>{@link io.pipewright.compute.gpu.GpuDevice}: one device, as {@code nvidia-smi} reports it.
 * </ul>
 */
package io.pipewright.compute.gpu;
