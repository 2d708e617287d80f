/**
 * The {@code kubernetes} compute target: each step attempt runs as a batch/v1 Job on a Kubernetes cluster, its pod
 * running the step runner in a configured image and exchanging inputs and outputs with the engine through the
 * workspace's datastore.
 *
 * <ul>
 *   <li>{@link io.pipewright.compute.kubernetes.KubernetesTargetProvider}: the type {@code kubernetes}, found with
 *       {@link java.util.ServiceLoader};
 *   <li>{@link io.pipewright.compute.kubernetes.KubernetesSettings}: its settings, read from the workspace config;
 *   <li>{@link io.pipewright.compute.kubernetes.KubernetesTarget}: the target, which submits and follows Jobs;
 *   <li>{@link io.pipewright.compute.kubernetes.KubernetesJobs}: the Job of one attempt, and YAML;
 *   <li>{@link io.pipewright.compute.kubernetes.KubernetesManifests}: the Jobs a pipeline would submit, rendered for
 *       review ({@code pipewright k8s render}).
 * </ul>
 */
package io.pipewright.compute.kubernetes;
