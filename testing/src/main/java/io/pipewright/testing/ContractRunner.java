package io.pipewright.testing;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;

/**
 * The stand-in for the step runner that {@link ComputeTargetContract} hands a target that runs steps in another JVM:
 * it connects to the test's JVM on the port it is given, where the test body runs, and exits with 0 once told the body
 * ended. Killing it makes the test body see its attempt stopped, as a killed step runner stops a real body.
 */
public final class ContractRunner {
  private ContractRunner() {}

  public static void main(String[] args) throws Exception {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), Integer.parseInt(args[0]))) {
      InputStream in = socket.getInputStream();
      int ended = in.read();
      System.exit(ended < 0 ? 1 : 0);
    }
  }
}
