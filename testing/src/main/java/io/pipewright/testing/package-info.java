/**
 * Pipewright's test kit: run pipelines in tests against a real temporary workspace.
 *
 * <ul>
 *   <li>{@link io.pipewright.testing.PipewrightExtension}: a JUnit 5 extension that hands a test a
 *       {@link io.pipewright.testing.TestWorkspace}, closed and deleted after it;
 *   <li>{@link io.pipewright.testing.TestWorkspace#run}: run a pipeline with parameters and
 *       {@link io.pipewright.testing.StandIn stand-ins} for expensive steps;
 *       {@link io.pipewright.testing.TestWorkspace#step}: run one step on inputs given as files or values;
 *   <li>{@link io.pipewright.testing.PipewrightAssertions}: AssertJ assertions on runs, steps and pipelines;
 *   <li>contract suites every adapter extends: {@link io.pipewright.testing.ComputeTargetContract},
 *       {@link io.pipewright.testing.DatastoreContract}, {@link io.pipewright.testing.RunStoreContract}.
 * </ul>
 */
package io.pipewright.testing;
