<?xml version="1.0" encoding="UTF-8"?>
<StyledLayerDescriptor version="1.0.0" xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/sld http://schemas.opengis.net/sld/1.0.0/StyledLayerDescriptor.xsd">
  <NamedLayer>
    <Name>residents</Name>
    <UserStyle>
      <Name>residents</Name>
      <FeatureTypeStyle>
        <Rule>
          <RasterSymbolizer>
            <Opacity>1</Opacity>
            <ColorMap type="intervals">
              <ColorMapEntry color="#eff3ff" quantity="100" label="≤ 100 persons"/>
              <ColorMapEntry color="#bdd7e7" quantity="1000" label="100 – 1k persons"/>
              <ColorMapEntry color="#6baed6" quantity="5000" label="1k – 5k persons"/>
              <ColorMapEntry color="#3182bd" quantity="20000" label="5k – 20k persons"/>
              <ColorMapEntry color="#08519c" quantity="1e308" label="&gt; 20k persons"/>
            </ColorMap>
          </RasterSymbolizer>
        </Rule>
      </FeatureTypeStyle>
    </UserStyle>
  </NamedLayer>
</StyledLayerDescriptor>
