using System.Text;

namespace CityPass.Redis.Tests;

public sealed class HashSlotTests
{
    [Fact]
    public void Crc16IsXmodem() => Assert.Equal(0x31C3, HashSlot.Crc16("123456789"u8));

    [Theory]
    [InlineData("foo", 12182)]
    [InlineData("bar", 5061)]
    [InlineData("", 0)]
    public void KnownKeysLandInKnownSlots(string key, int slot) => Assert.Equal(slot, HashSlot.Of(key));

    [Fact]
    public void HashTagDecidesTheSlot()
    {
        Assert.Equal(HashSlot.Of("user1000"), HashSlot.Of("{user1000}.following"));
        Assert.Equal(HashSlot.Of("{user1000}.followers"), HashSlot.Of("{user1000}.following"));
        Assert.Equal(HashSlot.Of("b"), HashSlot.Of("a{b}{c}"));
    }

    [Fact]
    public void EmptyHashTagHashesTheWholeKey()
    {
        Assert.Equal(HashSlot.Crc16("a{}{b}"u8) & 16383, HashSlot.Of("a{}{b}"));
        Assert.Equal(HashSlot.Crc16("{unclosed"u8) & 16383, HashSlot.Of("{unclosed"));
    }

    [Fact]
    public void StringAndBytesAgree() => Assert.Equal(HashSlot.Of("pass:é"), HashSlot.Of(Encoding.UTF8.GetBytes("pass:é")));
}
