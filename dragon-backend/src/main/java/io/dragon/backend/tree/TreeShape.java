package io.dragon.backend.tree;

import java.util.ArrayList;
import java.util.List;

/**
 * The shape of the fan-out tree: position 0 is the launcher's frontend (the root), position 1 + i the backend of
 * node i. Positions fill the tree level by level, as in a heap: the parent of p is (p - 1) / fanout.
 */
public record TreeShape(int backends, int fanout) {
    public TreeShape {
        if (backends < 1 || fanout < 1) {
            throw new IllegalArgumentException("a tree needs at least one backend and a fan-out of at least 1, got "
                + backends + " backends, fan-out " + fanout);
        }
    }

    public int parent(int position) {
        return (position - 1) / fanout;
    }

    /** Positions whose parent is {@code position}. */
    public List<Integer> children(int position) {
        List<Integer> children = new ArrayList<>();
        long first = (long) position * fanout + 1;
        for (long child = first; child < first + fanout && child <= backends; child++) {
            children.add((int) child);
        }
        return children;
    }

    /** Backends in the subtree under {@code position}, itself included unless it is the root. */
    public int subtreeSize(int position) {
        return subtree(position).size();
    }

    /** The positions of the subtree under {@code position}, itself included unless it is the root. */
    public List<Integer> subtree(int position) {
        List<Integer> positions = new ArrayList<>();
        if (position != 0) {
            positions.add(position);
        }
        for (int child : children(position)) {
            positions.addAll(subtree(child));
        }
        return positions;
    }

    public static int nodeIndex(int position) {
        return position - 1;
    }

    public static int position(int nodeIndex) {
        return nodeIndex + 1;
    }
}
