using CityPass.Server.Scans;
using CityPass.Server.Stores.Embedded;

namespace CityPass.Server.HotState.Tests;

public sealed class EmbeddedHotStateTests : HotStateContract
{
    protected override Task<IHotState> CreateAsync() => Task.FromResult<IHotState>(new EmbeddedHotState(new EmbeddedScanStore(), Clock));

    protected override Task LetOtpExpireAsync(string phone)
    {
        Clock.Advance(ShortOtpTtl + TimeSpan.FromSeconds(1));
        return Task.CompletedTask;
    }

    protected override Task LetGuessHourEndAsync(string phone)
    {
        Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        return Task.CompletedTask;
    }
}
