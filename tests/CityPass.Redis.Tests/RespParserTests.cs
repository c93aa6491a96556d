using System.Text;

namespace CityPass.Redis.Tests;

public sealed class RespParserTests
{
    public static TheoryData<string, string> Samples => new()
    {
        { "+OK\r\n", "SimpleString:OK" },
        { "-ERR something bad\r\n", "Error:ERR something bad" },
        { ":1234\r\n", "Integer:1234" },
        { ":-5\r\n", "Integer:-5" },
        { "$5\r\nhello\r\n", "BulkString:hello" },
        { "$0\r\n\r\n", "BulkString:" },
        { "$-1\r\n", "(nil)" },
        { "$4\r\na\r\nb\r\n", "BulkString:a\r\nb" },
        { "*-1\r\n", "(nil)" },
        { "*0\r\n", "Array[]" },
        { "*3\r\n:1\r\n$3\r\nfoo\r\n*2\r\n+a\r\n*1\r\n$-1\r\n", "Array[Integer:1, BulkString:foo, Array[SimpleString:a, Array[(nil)]]]" },
        { "_\r\n", "(nil)" },
        { "#t\r\n", "Boolean:true" },
        { ",3.5\r\n", "Double:3.5" },
        { ",-inf\r\n", "Double:-Infinity" },
        { "(12345678901234567890\r\n", "BigNumber:12345678901234567890" },
        { "%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n", "Map[SimpleString:a, Integer:1, SimpleString:b, Integer:2]" },
        { "~2\r\n:1\r\n:2\r\n", "Set[Integer:1, Integer:2]" },
        { ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n", "Push[BulkString:message, BulkString:ch, BulkString:hi]" },
        { "=8\r\ntxt:abcd\r\n", "VerbatimString:abcd" },
        { "!5\r\nERR x\r\n", "Error:ERR x" },
        { "|1\r\n+key\r\n+val\r\n:7\r\n", "Integer:7" },
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void EachTypeParsesWhole(string wire, string expected)
    {
        var bytes = Encoding.UTF8.GetBytes(wire);

        Assert.True(RespParser.TryParse(bytes, out var reply, out var consumed));

        Assert.Equal(bytes.Length, consumed);
        Assert.Equal(expected, reply.ToString());
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void EverySplitPointNeedsMoreDataThenCompletes(string wire, string expected)
    {
        var bytes = Encoding.UTF8.GetBytes(wire);
        for (var split = 0; split < bytes.Length; split++)
        {
            var scanner = new RespFrameScanner();
            Assert.False(scanner.TryFindFrame(bytes.AsSpan(0, split), out _));
            Assert.True(scanner.TryFindFrame(bytes, out var length));
            Assert.Equal(bytes.Length, length);
            Assert.Equal(expected, RespParser.ReadFrame(bytes.AsSpan(0, length)).ToString());
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void FedOneByteAtATimeTheFrameCompletesOnItsLastByte(string wire, string expected)
    {
        var bytes = Encoding.UTF8.GetBytes(wire);
        var scanner = new RespFrameScanner();
        for (var available = 1; available < bytes.Length; available++)
            Assert.False(scanner.TryFindFrame(bytes.AsSpan(0, available), out _));

        Assert.True(scanner.TryFindFrame(bytes, out var length));
        Assert.Equal(expected, RespParser.ReadFrame(bytes.AsSpan(0, length)).ToString());
    }

    [Fact]
    public void BackToBackFramesAreSeparatedExactly()
    {
        var bytes = "$3\r\nabc\r\n:42\r\n*1\r\n+x\r\n"u8.ToArray();
        var scanner = new RespFrameScanner();
        var replies = new List<string>();
        var start = 0;
        while (start < bytes.Length && scanner.TryFindFrame(bytes.AsSpan(start), out var length))
        {
            replies.Add(RespParser.ReadFrame(bytes.AsSpan(start, length)).ToString());
            start += length;
        }

        Assert.Equal(["BulkString:abc", "Integer:42", "Array[SimpleString:x]"], replies);
    }

    public static TheoryData<string> Malformed => new()
    {
        "?x\r\n",
        ":12a\r\n",
        ":\r\n",
        ":+1\r\n",
        "$3\r\nabcd\r\n",
        "$-2\r\n",
        "*-5\r\n",
        "%-1\r\n",
        "+OK\rX\r\n",
        "+OK\n",
        "$99999999999\r\n",
        "#x\r\n",
        ",abc\r\n",
        "_x\r\n",
        "(12a\r\n",
        "*2\r\n:1\r\n?\r\n",
        string.Concat(Enumerable.Repeat("*1\r\n", RespFrameScanner.MaxDepth + 1)) + ":1\r\n",
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedFrameRaisesProtocolError(string wire)
    {
        var bytes = Encoding.UTF8.GetBytes(wire);
        Assert.Throws<RedisProtocolException>(() => RespParser.TryParse(bytes, out _, out _));
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedFrameFedOneByteAtATimeRaisesProtocolError(string wire)
    {
        var bytes = Encoding.UTF8.GetBytes(wire);
        var scanner = new RespFrameScanner();
        Assert.Throws<RedisProtocolException>(() =>
        {
            for (var available = 1; available <= bytes.Length; available++) scanner.TryFindFrame(bytes.AsSpan(0, available), out _);
        });
    }

    [Fact]
    public void EndlessLineIsRejectedInsteadOfBufferedForever()
    {
        var bytes = Encoding.ASCII.GetBytes("+" + new string('a', RespFrameScanner.MaxLineLength + 10));
        Assert.Throws<RedisProtocolException>(() => RespParser.TryParse(bytes, out _, out _));
    }

    [Fact]
    public void RandomMutationsEitherParseWaitOrRaiseAProtocolError()
    {
        var random = new Random(20240601);
        var samples = Samples.Select(row => Encoding.UTF8.GetBytes((string)row[0])).ToArray();
        for (var round = 0; round < 20_000; round++)
        {
            var bytes = (byte[])samples[random.Next(samples.Length)].Clone();
            var mutations = random.Next(1, 4);
            for (var m = 0; m < mutations; m++) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            try
            {
                if (RespParser.TryParse(bytes, out _, out var consumed)) Assert.InRange(consumed, 1, bytes.Length);
            }
            catch (RedisProtocolException)
            {
            }
        }
    }
}
