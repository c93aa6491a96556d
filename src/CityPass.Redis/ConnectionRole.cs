namespace CityPass.Redis;

/// <summary>What a connection is for; decides its handshake.</summary>
internal enum ConnectionRole
{
    /// <summary>The shared, multiplexed command connection (AUTH, HELLO, SELECT as configured).</summary>
    Data,

    /// <summary>A pub/sub connection: always RESP2 and no SELECT, since channels are server-wide.</summary>
    Subscriber,

    /// <summary>A connection to a sentinel, with the sentinel's own credentials.</summary>
    Sentinel,
}
