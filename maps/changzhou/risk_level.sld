<?xml version="1.0" encoding="UTF-8"?>
<StyledLayerDescriptor version="1.0.0" xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/sld http://schemas.opengis.net/sld/1.0.0/StyledLayerDescriptor.xsd">
  <NamedLayer>
    <Name>risk_level</Name>
    <UserStyle>
      <Name>risk_level</Name>
      <FeatureTypeStyle>
        <Rule>
          <RasterSymbolizer>
            <Opacity>1</Opacity>
            <ColorMap type="values">
              <ColorMapEntry color="#bd0026" quantity="1" label="I 高 (highest)"/>
              <ColorMapEntry color="#f03b20" quantity="2" label="II 较高"/>
              <ColorMapEntry color="#fd8d3c" quantity="3" label="III 中"/>
              <ColorMapEntry color="#fecc5c" quantity="4" label="IV 较低"/>
              <ColorMapEntry color="#ffffb2" quantity="5" label="V 低 (lowest)"/>
            </ColorMap>
          </RasterSymbolizer>
        </Rule>
      </FeatureTypeStyle>
    </UserStyle>
  </NamedLayer>
</StyledLayerDescriptor>
