namespace CityPass.Server.Tests.Support;

/// <summary>A test class with a fresh app per test, on the store mode its subclass chooses.</summary>
public abstract class AppTest(StoreMode mode) : IAsyncLifetime
{
    protected CityPassApp App { get; private set; } = null!;

    protected virtual IDictionary<string, string?>? Settings => null;

    public async Task InitializeAsync()
    {
        App = new CityPassApp(mode, Settings);
        await App.InitializeAsync();
    }

    public async Task DisposeAsync() => await ((IAsyncLifetime)App).DisposeAsync();

    /// <summary>Waits, boundedly, for something the server does in the background (e.g. archiving scans from Redis).</summary>
    protected static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline) return value;
            await Task.Delay(50);
        }
    }
}
