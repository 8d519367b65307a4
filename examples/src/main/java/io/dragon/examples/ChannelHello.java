package io.dragon.examples;

import io.dragon.core.channels.Channel;
import io.dragon.core.memory.MemoryPool;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * Two processes talk through channels in shared memory: this one creates a pool and two channels, starts a second
 * JVM with their serialized descriptors, asks it for greetings and prints them.
 *
 * <pre>java -cp ... io.dragon.examples.ChannelHello [greetings]</pre>
 */
public final class ChannelHello {
    private ChannelHello() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("--greeter")) {
            greet(Channel.attach(decode(args[1])), Channel.attach(decode(args[2])));
            return;
        }
        int greetings = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        MemoryPool pool = MemoryPool.create("hello" + ProcessHandle.current().pid(), 1, 1 << 20);
        int exitCode;
        try {
            Channel requests = Channel.create(pool, 1, 16, 256);
            Channel replies = Channel.create(pool, 2, 16, 256);
            Process greeter = new ProcessBuilder(javaCommand(), "-cp", System.getProperty("java.class.path"),
                ChannelHello.class.getName(), "--greeter", encode(requests.serialize()), encode(replies.serialize()))
                .inheritIO().start();
            requests.send(Integer.toString(greetings).getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < greetings; i++) {
                byte[] greeting = replies.recv(30, TimeUnit.SECONDS);
                System.out.println("pid " + ProcessHandle.current().pid() + " received: "
                    + new String(greeting, StandardCharsets.UTF_8));
            }
            exitCode = greeter.waitFor();
        } finally {
            pool.destroy();
        }
        System.exit(exitCode);
    }

    private static void greet(Channel requests, Channel replies) throws InterruptedException {
        int greetings = Integer.parseInt(new String(requests.recv(30, TimeUnit.SECONDS), StandardCharsets.UTF_8));
        for (int i = 1; i <= greetings; i++) {
            replies.send(("hello " + i + " of " + greetings + " from pid " + ProcessHandle.current().pid())
                .getBytes(StandardCharsets.UTF_8));
        }
    }

    private static String encode(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static byte[] decode(String text) {
        return Base64.getDecoder().decode(text);
    }

    private static String javaCommand() {
        return ProcessHandle.current().info().command().orElse("java");
    }
}
