namespace Aspire.Hosting.ApplicationModel;

/// <summary>A broker this AppHost starts from a mosquitto.conf it generates from <see cref="Settings"/>.</summary>
public interface IHostedMosquittoBroker : IMosquittoBroker
{
    MosquittoSettings Settings { get; }
}
