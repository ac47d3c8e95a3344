using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using PimRust.Interop;
using Xunit;

namespace PimRust.Interop.Tests;

public class PimSessionTests
{
    [Fact]
    public void EchoRoundTripsNonAsciiText()
    {
        using PimSession session = NativeFixture.NewSession();
        const string text = "Příliš žluťoučký kůň – 東京 – 🚀 \"quoted\" \\ back";
        PimResult result = session.Invoke("sys.echo", JsonSerializer.Serialize(new { text }));
        Assert.True(result.Ok);
        Assert.Equal(text, JsonDocument.Parse(result.DataJson!).RootElement.GetProperty("text").GetString());
    }

    [Fact]
    public void ErrorEnvelopeBecomesAStableErrorId()
    {
        using PimSession session = NativeFixture.NewSession();
        PimResult result = session.Invoke("pim.noSuchMethod");
        Assert.False(result.Ok);
        Assert.Equal("UnknownMethod", result.Error!.Kind);
        Assert.Equal("PimRust.UnknownMethod", result.Error.ErrorId);
        Assert.Equal("NotImplemented", result.Error.Category);
        Assert.Contains("pim.noSuchMethod", result.Error.Message);
    }

    [Fact]
    public void MalformedParamsBecomeInvalidArgument()
    {
        using PimSession session = NativeFixture.NewSession();
        PimResult result = session.Invoke("sys.sleep", "{\"ms\": ");
        Assert.Equal("PimRust.InvalidArgument", result.Error!.ErrorId);
        Assert.Equal("InvalidArgument", result.Error.Category);
    }

    [Fact]
    public void ErrorIdAndCategoryAreReadAsTheCoreWroteThem()
    {
        PimResult result = PimResult.Parse("""
            {"v":1,"ok":false,"error":{"kind":"PolicyViolation","code":"TicketRequired",
             "errorId":"PimRust.PolicyViolation.TicketRequired","category":"PermissionDenied","message":"m"}}
            """);
        Assert.Equal("PimRust.PolicyViolation.TicketRequired", result.Error!.ErrorId);
        Assert.Equal("PermissionDenied", result.Error.Category);
        Assert.Equal("PimRust.PolicyViolation.TicketRequired: m", result.Error.ToString());
        Assert.ThrowsAny<JsonException>(() => PimResult.Parse("""{"v":1,"ok":false,"error":{"kind":"Internal","code":"Internal","message":"m"}}"""));
    }

    [Fact]
    public void RejectedConfigThrowsWithTheReason()
    {
        _ = NativeFixture.ModuleRoot;
        var error = Assert.Throws<ArgumentException>(() => PimSession.Create("{\"logLevel\":\"shouty\"}"));
        Assert.Contains("shouty", error.Message);
    }

    [Fact]
    public void SleepStreamsProgressEventsInOrder()
    {
        using PimSession session = NativeFixture.NewSession();
        var percents = new List<int>();
        PimResult result = session.Invoke("sys.sleep", "{\"ms\":300,\"progressIntervalMs\":50}", evt =>
        {
            JsonElement e = JsonDocument.Parse(evt).RootElement;
            if (e.GetProperty("event").GetString() == "progress")
            {
                percents.Add(e.GetProperty("percent").GetInt32());
            }
        });
        Assert.True(result.Ok);
        Assert.True(percents.Count >= 4, string.Join(",", percents));
        Assert.Equal(100, percents[^1]);
        Assert.Equal(percents.OrderBy(p => p), percents);
    }

    [Fact]
    public void DebugLogLevelSurfacesNativeTracing()
    {
        using PimSession session = NativeFixture.NewSession();
        var levels = new List<string>();
        session.Invoke("sys.echo", "1", evt =>
        {
            JsonElement e = JsonDocument.Parse(evt).RootElement;
            if (e.GetProperty("event").GetString() == "log")
            {
                levels.Add(e.GetProperty("level").GetString()!);
            }
        }, logLevel: "debug");
        Assert.Contains("debug", levels);
    }

    [Fact]
    public void CancellationReturnsPromptlyAndLeavesNoOpRunning()
    {
        using PimSession session = NativeFixture.NewSession();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var stopwatch = Stopwatch.StartNew();
        PimResult result = session.Invoke("sys.sleep", "{\"ms\":60000}", cancellationToken: cts.Token);
        stopwatch.Stop();
        Assert.Equal("Cancelled", result.Error!.Kind);
        Assert.InRange(stopwatch.ElapsedMilliseconds, 150, 200 + 500);
        Assert.Equal(0, session.LiveOperations);
        Assert.Equal(0, session.RunningOperations);
    }

    [Fact]
    public void DisposingARunningOperationReleasesIt()
    {
        using PimSession session = NativeFixture.NewSession();
        PimOperation operation = session.Start("sys.sleep", "{\"ms\":60000}");
        Assert.False(operation.Wait(50));
        operation.Dispose();
        operation.Dispose(); // idempotent
        var deadline = Stopwatch.StartNew();
        while (session.LiveOperations > 0 || session.RunningOperations > 0)
        {
            Assert.True(deadline.ElapsedMilliseconds < 1000, "released op still alive");
            Thread.Sleep(10);
        }
    }

    [Fact]
    public void CollectedOperationCannotBeCollectedTwice()
    {
        using PimSession session = NativeFixture.NewSession();
        using PimOperation operation = session.Start("sys.echo", "2");
        while (!operation.Wait()) { }
        Assert.True(operation.TakeResult().Ok);
        var error = Assert.Throws<PimNativeException>(() => operation.TakeResult());
        Assert.Equal("UnknownOp", error.Status);
    }

    [Fact]
    public void DisposedSessionRefusesCalls()
    {
        PimSession session = NativeFixture.NewSession();
        session.Dispose();
        Assert.Throws<ObjectDisposedException>(() => session.Start("sys.echo"));
    }

    [Fact]
    public void ManyParallelOperationsKeepTheirOwnResults()
    {
        using PimSession session = NativeFixture.NewSession();
        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            PimResult result = session.Invoke("sys.echo", i.ToString());
            Assert.Equal(i.ToString(), result.DataJson);
        });
        Assert.Equal(0, session.LiveOperations);
    }
}
