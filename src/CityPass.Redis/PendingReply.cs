namespace CityPass.Redis;

/// <summary>
/// A caller waiting for one reply. It stays in the connection's FIFO until its reply arrives even when the
/// caller has given up (timeout, cancellation): that keeps every later reply matched to the right caller,
/// and the late reply is simply dropped by the already-completed task.
/// </summary>
internal sealed class PendingReply : TaskCompletionSource<RedisReply>
{
    /// <summary>For replies nobody waits on (the ASKING before a redirected command).</summary>
    public static readonly PendingReply Discard = new(long.MaxValue);

    // Continuations run on the thread pool so a caller's code never runs on (and stalls) the reader loop.
    public PendingReply(long deadline) : base(TaskCreationOptions.RunContinuationsAsynchronously) => Deadline = deadline;

    /// <summary><see cref="Environment.TickCount64"/> after which the caller gets a timeout.</summary>
    public long Deadline { get; }
}
