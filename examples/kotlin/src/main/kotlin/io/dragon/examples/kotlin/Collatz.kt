package io.dragon.examples.kotlin

import io.dragon.Pool
import io.dragon.Process
import io.dragon.Queue
import java.io.Serializable

/** A start and the steps its Collatz sequence takes to reach 1; Serializable, as a pool's results must be. */
data class Chain(val start: Long, val steps: Int) : Serializable

/** Steps of n -> n / 2 (n even), 3 n + 1 (n odd) until 1: runs in a pool worker. */
fun chain(start: Long): Chain {
    var n = start
    var steps = 0
    while (n != 1L) {
        n = if (n % 2 == 0L) n / 2 else 3 * n + 1
        steps++
    }
    return Chain(start, steps)
}

/**
 * Kotlin on the io.dragon API: a producer process sends the numbers 1..limit through a [Queue]; the head takes
 * them and a [Pool] of worker processes finds the longest Collatz chain among them. Kotlin lambdas passed where
 * the API takes its Serializable interfaces (SerializableRunnable, SerializableFunction) are serializable, so
 * they run in other JVMs like Java's. Run it with `dragon examples/kotlin/target/examples-kotlin.jar [limit]`.
 */
fun main(args: Array<String>) {
    val limit = args.firstOrNull()?.toLong() ?: 10_000L
    // use: Queue and Pool are AutoCloseable; closing frees the queue, and waits for the pool's workers to exit
    Queue.create<Long>(1024).use { numbers ->
        val producer = Process.start {
            for (n in 1..limit) {
                numbers.put(n)
            }
        }
        val received = List(limit.toInt()) { numbers.take() }
        check(producer.join() == 0) { "the producer failed" }
        Pool.create(2).use { pool ->
            val longest = pool.map({ n: Long -> chain(n) }, received).maxBy { it.steps }
            println("longest Collatz chain from 1..$limit: ${longest.start}, ${longest.steps} steps"
                + " (numbers from another process through a queue, chains on ${pool.workers()} workers)")
        }
    }
}
