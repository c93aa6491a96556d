using CityPass.Core.Venues;

namespace CityPass.Core.Tests;

public class OpeningHoursTests
{
    // 2026-11-20 is a Friday. Shanghai is UTC+8 all year.
    private static DateTimeOffset Shanghai(int day, int hour, int minute = 0) => new(2026, 11, day, hour, minute, 0, TimeSpan.FromHours(8));

    private static readonly OpeningHours Library = new("Asia/Shanghai",
    [
        new OpeningPeriod(DayOfWeek.Friday, new TimeOnly(9, 0), new TimeOnly(21, 0)),
        new OpeningPeriod(DayOfWeek.Saturday, new TimeOnly(18, 0), new TimeOnly(2, 0)),
    ]);

    [Theory]
    [InlineData(20, 8, 59, false)]
    [InlineData(20, 9, 0, true)]
    [InlineData(20, 20, 59, true)]
    [InlineData(20, 21, 0, false)]
    [InlineData(21, 17, 59, false)]
    [InlineData(21, 23, 0, true)]
    [InlineData(22, 1, 59, true)]  // Saturday's period runs past midnight into Sunday
    [InlineData(22, 2, 0, false)]
    public void OpenInsideItsPeriodsInLocalTime(int day, int hour, int minute, bool open) =>
        Assert.Equal(open, Library.IsOpenAt(Shanghai(day, hour, minute)));

    [Fact]
    public void JudgesInTheVenuesZoneWhateverTheClocksOffset() =>
        // 01:30 UTC Friday is 09:30 Friday in Shanghai.
        Assert.True(Library.IsOpenAt(new DateTimeOffset(2026, 11, 20, 1, 30, 0, TimeSpan.Zero)));

    [Fact]
    public void AlwaysIsOpenAtEveryHour()
    {
        var always = OpeningHours.Always();
        for (var h = 0; h < 24 * 7; h++) Assert.True(always.IsOpenAt(Shanghai(16, 0).AddHours(h)));
    }
}
