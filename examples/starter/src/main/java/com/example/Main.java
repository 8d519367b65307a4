package com.example;

import io.dragon.Machine;
import io.dragon.Pool;
import io.dragon.Queue;
import java.util.List;

/** Squares numbers in a pool of worker processes, which say on a queue where they ran. */
public final class Main {
    private Main() {
    }

    /** Runs with {@code dragon target/dragon-starter.jar [workers]}. */
    public static void main(String[] args) throws Exception {
        int workers = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        try (Pool pool = Pool.create(workers); Queue<String> notes = Queue.create()) {
            List<Integer> squares = pool.map(n -> {
                notes.add(n + " squared on " + Machine.current().here().hostname());
                return n * n;
            }, List.of(1, 2, 3, 4, 5));
            System.out.println("squares: " + squares);
            for (int i = 0; i < squares.size(); i++) {
                System.out.println(notes.take());
            }
        }
    }
}
