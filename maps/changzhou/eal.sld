<?xml version="1.0" encoding="UTF-8"?>
<StyledLayerDescriptor version="1.0.0" xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/sld http://schemas.opengis.net/sld/1.0.0/StyledLayerDescriptor.xsd">
  <NamedLayer>
    <Name>eal</Name>
    <UserStyle>
      <Name>eal</Name>
      <FeatureTypeStyle>
        <Rule>
          <RasterSymbolizer>
            <Opacity>1</Opacity>
            <ColorMap type="intervals">
              <ColorMapEntry color="#ffffb2" quantity="1000" label="≤ 1000 CNY/yr"/>
              <ColorMapEntry color="#fed976" quantity="10000" label="1000 – 10k CNY/yr"/>
              <ColorMapEntry color="#feb24c" quantity="100000" label="10k – 100k CNY/yr"/>
              <ColorMapEntry color="#fd8d3c" quantity="1000000" label="100k – 1M CNY/yr"/>
              <ColorMapEntry color="#fc4e2a" quantity="10000000" label="1M – 10M CNY/yr"/>
              <ColorMapEntry color="#e31a1c" quantity="100000000" label="10M – 100M CNY/yr"/>
              <ColorMapEntry color="#b10026" quantity="1e308" label="&gt; 100M CNY/yr"/>
            </ColorMap>
          </RasterSymbolizer>
        </Rule>
      </FeatureTypeStyle>
    </UserStyle>
  </NamedLayer>
</StyledLayerDescriptor>
