using System.Globalization;
using System.Text;
using CityPass.LoadTests;
using Xunit;

namespace CityPass.LoadTests.Tests;

/// <summary>The append-only file's bytes per scan by command: what the persistence figures of docs/performance.md rest on.</summary>
public sealed class AofCommandBytesTests
{
    private static string Resp(params string[] arguments) =>
        $"*{arguments.Length}\r\n" + string.Concat(arguments.Select(a => $"${Encoding.UTF8.GetByteCount(a)}\r\n{a}\r\n"));

    private static string Scan(int n) =>
        Resp("MULTI") + Resp("SET", $"mark:{n}", "1", "PXAT", "1796400547002") + Resp("XADD", "scans", $"{n}-0", "record", "a|b|名") + Resp("EXEC");

    [Fact]
    public void CountsEachCommandsBytesFromTheFirstTransactionToTheLastWholeCommand()
    {
        var delivery = Resp("XCLAIM", "scans", "archiver", "c1", "0", "1-0", "TIME", "1", "RETRYCOUNT", "1", "FORCE", "JUSTID", "LASTID", "1-0");
        // Begins inside an earlier command and ends inside a later one: both halves are left out.
        var text = "$4\r\nabcd\r\n" + Scan(1) + delivery + Scan(2) + Resp("XACK", "scans", "archiver", "1-0", "2-0")[..12];

        var aof = AofCommandBytes.Parse(Encoding.UTF8.GetBytes(text));

        Assert.Equal(2, aof.Scans);
        var byName = aof.Commands.ToDictionary(c => c.Name);
        Assert.Equal(["EXEC", "MULTI", "SET", "XADD", "XCLAIM"], byName.Keys.Order());
        Assert.Equal((2, 2L * Encoding.UTF8.GetByteCount(Resp("XADD", "scans", "1-0", "record", "a|b|名"))), (byName["XADD"].Calls, byName["XADD"].Bytes));
        Assert.Equal((1, (long)delivery.Length), (byName["XCLAIM"].Calls, byName["XCLAIM"].Bytes));
        Assert.Equal(Encoding.UTF8.GetByteCount(Scan(1) + delivery + Scan(2)), aof.TotalBytes);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"| XCLAIM | 0.500 | {delivery.Length:N1} | {delivery.Length / 2.0:N1} |"), aof.Markdown(), StringComparison.Ordinal);
    }

    [Fact]
    public void AFileWithoutATransactionHasNoScans()
    {
        var aof = AofCommandBytes.Parse(Encoding.UTF8.GetBytes(Resp("SET", "k", "v")));

        Assert.Equal((0, 0L), (aof.Scans, aof.TotalBytes));
    }
}
